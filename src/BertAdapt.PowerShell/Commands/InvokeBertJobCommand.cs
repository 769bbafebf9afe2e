using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Reflection;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Evaluation;
using BertAdapt.Engine.Jobs;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>
/// Runs a YAML job file by calling the module's own cmdlets: a model (New-BertModel or
/// Import-BertCheckpoint), then Invoke-MlmTraining, Invoke-FineTune, one run of a study
/// (Compare-BertAdaptation -Run), Export-Checkpoint and Measure-Perplexity, each section optional but the model.
/// The job's keys are those cmdlets' parameters, read from their metadata, so the two cannot drift.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "BertJob", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(BertModel), typeof(PerplexityResult), typeof(BertAdapt.Engine.Studies.StudyRunRecord))]
public sealed class InvokeBertJobCommand : PathInputCmdlet
{
    internal const string ModelSection = "model", StudySection = "study", CheckpointKey = "Checkpoint";
    const string TrainingSection = "training", FineTuneSection = "fineTune", ExportSection = "export", PerplexitySection = "perplexity";
    const string LocationStack = "BertAdapt.Invoke-BertJob";

    static readonly CmdletInfo NewModel = new("New-BertModel", typeof(NewBertModelCommand));
    static readonly CmdletInfo ImportModel = new("Import-BertCheckpoint", typeof(ImportBertCheckpointCommand));
    static readonly CmdletInfo Train = new("Invoke-MlmTraining", typeof(InvokeMlmTrainingCommand));
    static readonly CmdletInfo FineTune = new("Invoke-FineTune", typeof(InvokeFineTuneCommand));
    static readonly CmdletInfo Study = new("Compare-BertAdaptation", typeof(CompareBertAdaptationCommand));
    static readonly CmdletInfo Export = new("Export-Checkpoint", typeof(ExportCheckpointCommand));
    static readonly CmdletInfo Perplexity = new("Measure-Perplexity", typeof(MeasurePerplexityCommand));

    /// <summary>Each section's parameters, by section name; the schema below is made from them.</summary>
    static readonly Dictionary<string, Dictionary<string, ParameterMetadata>> SectionParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        [ModelSection] = ParametersOf(NewModel),
        [TrainingSection] = ParametersOf(Train),
        [FineTuneSection] = ParametersOf(FineTune),
        [StudySection] = ParametersOf(Study),
        [ExportSection] = ParametersOf(Export),
        [PerplexitySection] = ParametersOf(Perplexity),
    };

    /// <summary>The sections in the order they run: the model is exported before it is measured, so a failed measurement loses nothing.</summary>
    static readonly IReadOnlyList<JobSectionSchema> Schema =
    [
        SchemaOfModel(),
        SchemaOf(TrainingSection, Train),
        SchemaOf(FineTuneSection, FineTune),
        SchemaOf(StudySection, Study),
        SchemaOf(ExportSection, Export),
        SchemaOf(PerplexitySection, Perplexity),
    ];

    /// <summary>Common parameters given to Invoke-BertJob that every step gets too.</summary>
    static readonly string[] Forwarded = ["Verbose", "Debug", "WarningAction", "InformationAction", "ProgressAction"];

    // ValidateArgumentsAttribute.Validate is protected; calling it checks a job's values by exactly
    // the rules parameter binding will apply, but before any step has started.
    static readonly MethodInfo? ValidateMethod = typeof(ValidateArgumentsAttribute).GetMethod("Validate", BindingFlags.Instance | BindingFlags.NonPublic);

    readonly List<JobFile> jobs = [];

    #region Overrides

    /// <summary>Every job file is read and checked here, so no job starts while another one is invalid.</summary>
    protected override void ProcessInput()
    {
        var engine = (EngineIntrinsics)GetVariableValue("ExecutionContext");
        foreach (var file in Guard(() => ResolveFiles(InputPaths, IsLiteral, "Job")))
            jobs.Add(Guard(() => JobFileParser.Parse(file, Schema, (section, key, value) => Check(section, key, value, engine))));
    }

    protected override void EndCommand()
    {
        foreach (var job in jobs)
            Run(job);
    }

    /// <summary>
    /// A failed job ends the script that runs it, not only its statement, so a scheduler's
    /// <c>pwsh -File</c> exits non-zero without the script setting $ErrorActionPreference (see
    /// <see cref="ScriptTerminatingException"/>); try/catch still catches it.
    /// </summary>
    protected override bool FailureEndsScript => true;

    #endregion

    void Run(JobFile job)
    {
        WriteVerbose($"Running the job '{job.Path}'.");
        // Relative paths in a job point beside its file: schedulers start jobs in arbitrary directories.
        SessionState.Path.PushCurrentLocation(LocationStack);
        BertModel? model = null;
        try
        {
            SessionState.Path.SetLocation(WildcardPattern.Escape(job.Directory));
            // The export step begins only after training ends, so its destination is checked now.
            if (job.Section(ExportSection) is JobSection destination)
                Guard(() => HfCheckpointDirectory.CheckDestination(ResolveLiteral((string)(destination["Path"] ?? destination["LiteralPath"])!), destination["Force"] is true));
            var source = job.Section(ModelSection)!;
            model = source.Contains(CheckpointKey)
                ? Step(ImportModel, new Hashtable { ["LiteralPath"] = source[CheckpointKey] }).OfType<BertModel>().Single()
                : Step(NewModel, Arguments(source, null)).OfType<BertModel>().Single();

            if (job.Section(TrainingSection) is JobSection training
                && Step(Train, Arguments(training, model), writes: true).Count == 0 && !WhatIfRequested)
            {
                WriteWarning($"Training was declined, so the rest of the job '{job.Path}' is skipped.");
                return;
            }
            if (job.Section(FineTuneSection) is JobSection fineTune
                && Step(FineTune, Arguments(fineTune, model), writes: true).Count == 0 && !WhatIfRequested)
            {
                WriteWarning($"Fine-tuning was declined, so the rest of the job '{job.Path}' is skipped.");
                return;
            }
            // A study job (one run of Compare-BertAdaptation -AsJobFiles) starts from the study's base model and hands back the run's record, not the model.
            if (job.Section(StudySection) is JobSection study)
            {
                foreach (var record in Step(Study, Arguments(study, model), writes: true)) WriteObject(record);
                return;
            }
            if (job.Section(ExportSection) is JobSection export)
                Step(Export, Arguments(export, model), writes: true);
            if (WhatIfRequested)
                return;

            var perplexity = job.Section(PerplexitySection) is JobSection measure
                ? Step(Perplexity, Arguments(measure, model)).OfType<PerplexityResult>().FirstOrDefault()
                : null;
            WriteObject(model);
            model = null;
            if (perplexity is not null) WriteObject(perplexity);
        }
        finally
        {
            // A model that was not handed to the caller holds native memory nobody else can free.
            model?.Dispose();
            SessionState.Path.PopLocation(LocationStack);
        }
    }

    /// <summary>Runs one step's cmdlet in this pipeline, so its progress, verbose output and errors are its own.</summary>
    List<object> Step(CmdletInfo cmdlet, Hashtable arguments, bool writes = false)
    {
        // A step that writes but cannot be asked -WhatIf itself is asked here, and declined under -WhatIf.
        bool asksItself = new CommandMetadata(cmdlet.ImplementingType).SupportsShouldProcess;
        if (writes && !asksItself && !ShouldProcess(Describe(arguments), cmdlet.Name))
            return [];
        foreach (var name in writes && asksItself ? Forwarded.Append("WhatIf").Append("Confirm") : Forwarded)
            if (MyInvocation.BoundParameters.TryGetValue(name, out var value))
                arguments[name] = value;
        arguments["ErrorAction"] = ActionPreference.Stop;
        WriteVerbose($"{cmdlet.Name} {Describe(arguments)}");
        Collection<PSObject> output = [];
        try
        {
            output = InvokeCommand.InvokeScript(false, ScriptBlock.Create("param($cmdlet, $arguments) & $cmdlet @arguments"), null, cmdlet, arguments);
        }
        catch (RuntimeException ex) when (ex is not PipelineStoppedException && ex.ErrorRecord is not null)
        {
            // The step's own ErrorRecord, so the job fails with the step's error id and category.
            ThrowScriptTerminatingError(new ErrorRecord(ex.ErrorRecord, ex.ErrorRecord.Exception));
        }
        return output.Select(o => o.BaseObject).ToList();
    }

    static Hashtable Arguments(JobSection section, BertModel? model)
    {
        var arguments = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in section.Settings)
            arguments[setting.Key] = setting.Value;
        if (model is not null) arguments["Model"] = model;
        return arguments;
    }

    /// <summary>The step as a command line, for the verbose log of an unattended run.</summary>
    static string Describe(Hashtable arguments) => string.Join(" ", arguments.Keys.Cast<string>()
        .Where(k => k != "Model" && !Cmdlet.CommonParameters.Contains(k) && !Cmdlet.OptionalCommonParameters.Contains(k))
        .Order(StringComparer.Ordinal)
        .Select(k => $"-{k} {Literal(arguments[k])}"));

    static string Literal(object? value) => value switch
    {
        null => "$null",
        bool flag => flag ? "$true" : "$false",
        string text => $"'{text.Replace("'", "''")}'",
        IDictionary table => "@{ " + string.Join("; ", table.Keys.Cast<object>().Select(k => $"{k} = {Literal(table[k])}")) + " }",
        Array items => string.Join(", ", items.Cast<object?>().Select(Literal)),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>
    /// The parameters a job may set: all but the model, what only the pipeline gives (Invoke-FineTune's
    /// rows) and the common parameters.
    /// </summary>
    static Dictionary<string, ParameterMetadata> ParametersOf(CmdletInfo cmdlet) =>
        new CommandMetadata(cmdlet.ImplementingType).Parameters.Values
            .Where(p => p.Name != "Model" && !IsPipelineInput(p) && !Cmdlet.CommonParameters.Contains(p.Name) && !Cmdlet.OptionalCommonParameters.Contains(p.Name))
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>PowerShell's name for objects that only the pipeline gives (Invoke-FineTune's rows).</summary>
    static bool IsPipelineInput(ParameterMetadata parameter) => parameter.Name == "InputObject";

    /// <summary>The parameter sets a job cannot use: those that need pipeline input other than the model.</summary>
    static HashSet<string> PipelineOnlySets(CmdletInfo cmdlet) =>
        new CommandMetadata(cmdlet.ImplementingType).Parameters.Values
            .Where(p => p.Name != "Model" && IsPipelineInput(p))
            .SelectMany(p => p.ParameterSets.Where(set => set.Value.IsMandatory).Select(set => set.Key))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The parameter sets without -Model (Compare-BertAdaptation -Collect): a job always gives its step the model.</summary>
    static IEnumerable<string> ModellessSets(CmdletInfo cmdlet)
    {
        var parameters = new CommandMetadata(cmdlet.ImplementingType).Parameters;
        if (!parameters.TryGetValue("Model", out var model) || model.ParameterSets.ContainsKey(ParameterAttribute.AllParameterSets)) return [];
        return parameters.Values.SelectMany(p => p.ParameterSets.Keys).Where(set => set != ParameterAttribute.AllParameterSets && !model.ParameterSets.ContainsKey(set)).Distinct();
    }

    static Dictionary<string, Type> KeyTypes(IEnumerable<ParameterMetadata> parameters) =>
        parameters.ToDictionary(p => p.Name, p => p.SwitchParameter ? typeof(bool) : p.ParameterType, StringComparer.OrdinalIgnoreCase);

    static JobSectionSchema SchemaOf(string section, CmdletInfo cmdlet)
    {
        var parameters = SectionParameters[section].Values;
        var unusable = PipelineOnlySets(cmdlet);
        unusable.UnionWith(ModellessSets(cmdlet));
        return new JobSectionSchema(section, KeyTypes(parameters),
            ParameterSets(parameters).Where(s => !unusable.Contains(s.Name)).Select(s => s.Set).ToList());
    }

    /// <summary>
    /// New-BertModel's parameters plus 'checkpoint' (Import-BertCheckpoint -LiteralPath). A job must
    /// name its source, so where New-BertModel would default to a preset, the job must say 'preset'.
    /// </summary>
    static JobSectionSchema SchemaOfModel()
    {
        var parameters = SectionParameters[ModelSection].Values;
        var keys = KeyTypes(parameters);
        keys[CheckpointKey] = typeof(string);
        var sets = ParameterSets(parameters)
            .Select(s => keys.ContainsKey(s.Name) ? new JobKeySet(s.Set.Keys, s.Set.Required.Append(s.Name)) : s.Set)
            .Append(new JobKeySet([CheckpointKey], [CheckpointKey]))
            .ToList();
        return new JobSectionSchema(ModelSection, keys, sets, required: true);
    }

    /// <summary>The cmdlet's parameter sets as key sets: which keys go together, and which are mandatory.</summary>
    static IEnumerable<(string Name, JobKeySet Set)> ParameterSets(IEnumerable<ParameterMetadata> parameters)
    {
        const string all = ParameterAttribute.AllParameterSets;
        var names = parameters.SelectMany(p => p.ParameterSets.Keys).Where(n => n != all).Distinct().DefaultIfEmpty(all);
        foreach (var name in names)
        {
            var members = parameters.Where(p => p.ParameterSets.ContainsKey(name) || p.ParameterSets.ContainsKey(all)).ToList();
            var mandatory = members.Where(p => (p.ParameterSets.TryGetValue(name, out var set) ? set : p.ParameterSets[all]).IsMandatory);
            yield return (name, new JobKeySet(members.Select(p => p.Name), mandatory.Select(p => p.Name)));
        }
    }

    /// <summary>Applies the parameter's own Validate* attributes to a value from the job file.</summary>
    static string? Check(string section, string key, object? value, EngineIntrinsics engine)
    {
        if (ValidateMethod is null || value is null || !SectionParameters[section].TryGetValue(key, out var parameter))
            return null;
        foreach (var attribute in parameter.Attributes.OfType<ValidateArgumentsAttribute>())
        {
            try
            {
                ValidateMethod.Invoke(attribute, [value, engine]);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is ValidationMetadataException invalid)
            {
                return invalid.Message;
            }
        }
        return null;
    }
}
