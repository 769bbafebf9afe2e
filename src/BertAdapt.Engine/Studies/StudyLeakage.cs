using BertAdapt.Engine.Data.Overlap;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// The study's leakage check: before anything trains, the validation rows' texts are looked for
/// in every corpus a planned strategy pre-trains on (the domain corpus, and the task's own
/// training text for task-adaptive pre-training), exactly after normalisation and as near
/// duplicates (<see cref="CorpusOverlapScan"/>). A model pre-trained on its validation text is
/// scored on text it has seen, so a leak stops the study unless the caller allows it.
/// </summary>
public static class StudyLeakage
{
    public const int NgramSize = 8;
    public const double Threshold = 0.8;

    /// <summary>What each pre-training corpus shares with the validation data, by corpus name ("domain", "task").</summary>
    public static IReadOnlyList<StudyOverlap> Check(AdaptationPlan plan, AdaptationStudyOptions options, string taskCorpusPath, CancellationToken cancellation)
    {
        var found = new List<StudyOverlap>();
        var corpora = new List<(string Name, IReadOnlyList<string> Files)>();
        if (plan.Pretraining.Any(s => s.Corpus == PretrainCorpus.Domain)) corpora.Add(("domain", options.DomainCorpus));
        if (plan.Pretraining.Any(s => s.Corpus == PretrainCorpus.Task)) corpora.Add(("task", [taskCorpusPath]));
        if (corpora.Count == 0) return found;

        var index = new HeldOutIndex(NgramSize);
        foreach (var (source, texts) in TaskCorpus.Rows(options.ValidationData, options.FineTuning.Task, options.ReadOptions))
            foreach (var text in texts) index.Add(new HeldOutText(source, text));
        if (index.Count == 0) return found;
        foreach (var (name, files) in corpora)
        {
            var scan = new CorpusOverlapScan(index, Threshold);
            foreach (var file in files)
                foreach (var document in OverlapFiles.Documents(file, options.CorpusReadOptions))
                {
                    cancellation.ThrowIfCancellationRequested();
                    scan.Document(document);
                }
            found.Add(new StudyOverlap(name, scan.Report(files)));
        }
        return found;
    }

    /// <summary>Throws AdaptationCorpusOverlap when a corpus holds validation text and the caller did not allow it; else describes the leaks for a warning.</summary>
    public static IReadOnlyList<string> Enforce(IReadOnlyList<StudyOverlap> overlaps, bool allowOverlap)
    {
        var leaks = overlaps.Where(o => o.Report.LeakedTexts > 0).Select(Describe).ToList();
        if (leaks.Count > 0 && !allowOverlap)
            throw new BertAdaptException("AdaptationCorpusOverlap", BertAdaptErrorKind.InvalidData,
                "Validation text is in a pre-training corpus, so a pre-trained model would be scored on text it has seen:\n  "
                + string.Join("\n  ", leaks)
                + "\nRemove those texts from the corpus (Test-BertCorpusOverlap lists each with its file and line), or add -AllowOverlap to run anyway; the overlap is then reported in study.json.");
        return leaks;
    }

    static string Describe(StudyOverlap overlap)
    {
        var report = overlap.Report;
        var first = report.Matches[0];
        return $"the {overlap.Corpus} corpus holds {report.LeakedTexts} of the {report.HeldOutTexts} validation texts ({report.ExactMatches} exact, {report.NearDuplicates} near copies), "
            + $"for example {first.HeldOutSource} at {first.CorpusSource}";
    }
}
