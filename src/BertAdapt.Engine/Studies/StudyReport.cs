namespace BertAdapt.Engine.Studies;

/// <summary>
/// The study's numbers from its runs' records: one <see cref="AdaptationStrategyReport"/> per
/// strategy and masking rate, in the plan's order, each compared with FineTuneOnly.
/// </summary>
public static class StudyReport
{
    public static List<AdaptationStrategyReport> Summarize(AdaptationPlan plan, StudyRunRecord baseRecord,
        IReadOnlyDictionary<string, StudyRunRecord> records, string budget)
    {
        var groups = plan.FineTuning.Where(r => records.ContainsKey(r.Folder)).GroupBy(r => (r.Strategy, r.MaskProbability)).ToList();
        List<double> ScoresOf(IEnumerable<FineTuneRun> runs) => runs.Select(r => records[r.Folder].Score ?? double.NaN).ToList();
        var baseline = groups.FirstOrDefault(g => g.Key.Strategy == AdaptationStrategy.FineTuneOnly);
        var baselineScores = baseline is null ? null : ScoresOf(baseline);
        var reports = new List<AdaptationStrategyReport>();
        foreach (var group in groups)
        {
            var runs = group.ToList();
            var scores = ScoresOf(runs);
            var stages = runs.Where(r => r.Pretrained is not null).SelectMany(r => Chain(r.Pretrained!)).Distinct().ToList();
            var finals = runs.Select(r => r.Pretrained).OfType<PretrainStage>().Distinct().Select(s => records[s.Folder]).ToList();
            // Every stage a finished fine-tuning run started from has finished: the run read its checkpoint.
            var comparison = group.Key.Strategy == AdaptationStrategy.FineTuneOnly ? null
                : baselineScores is null ? null : WelchComparison.Of(scores, baselineScores);
            var fineTuned = runs.Select(r => records[r.Folder]).ToList();
            var pretrained = stages.Select(s => records[s.Folder]).ToList();
            reports.Add(new AdaptationStrategyReport
            {
                Strategy = group.Key.Strategy,
                MaskProbability = group.Key.MaskProbability,
                Metric = fineTuned.Select(r => r.Metric).FirstOrDefault(m => m is not null) ?? "",
                SeedCount = runs.Count,
                Seeds = new(runs.Select(r => r.Seed), " "),
                SeedScores = new(scores, " "),
                MetricMean = SeedStatistics.Mean(scores),
                MetricStdDev = SeedStatistics.StandardDeviation(scores),
                Difference = group.Key.Strategy == AdaptationStrategy.FineTuneOnly ? 0 : comparison?.Difference,
                DifferenceLow = comparison?.Low,
                DifferenceHigh = comparison?.High,
                Verdict = group.Key.Strategy == AdaptationStrategy.FineTuneOnly ? AdaptationVerdict.Baseline : comparison?.Verdict ?? AdaptationVerdict.Undetermined,
                Comparison = group.Key.Strategy == AdaptationStrategy.FineTuneOnly ? "baseline"
                    : baselineScores is null ? "FineTuneOnly is not in the study" : $"{WelchComparison.Method}, 95%, against {AdaptationStrategy.FineTuneOnly}",
                DomainPerplexityBefore = baseRecord.DomainPerplexity ?? double.NaN,
                DomainPerplexityAfter = MeanOrNull(finals.Select(r => r.DomainPerplexity)),
                ReferencePerplexityBefore = baseRecord.ReferencePerplexity,
                ReferencePerplexityAfter = MeanOrNull(finals.Select(r => r.ReferencePerplexity)),
                PretrainBudget = group.Key.Strategy == AdaptationStrategy.FineTuneOnly ? "none"
                    : group.Key.Strategy == AdaptationStrategy.DomainThenTaskMlm ? $"{budget}, split {string.Join(" + ", Chain(runs[0].Pretrained!).Select(s => $"{s.Steps} ({s.Corpus})"))} steps"
                    : budget,
                PretrainSteps = pretrained.Sum(r => r.Steps),
                PretrainTokens = pretrained.Sum(r => r.Tokens),
                PretrainSeconds = pretrained.Sum(r => r.WallSeconds),
                FineTuneTokens = fineTuned.Sum(r => r.Tokens),
                FineTuneSeconds = fineTuned.Sum(r => r.WallSeconds),
                TokensProcessed = pretrained.Sum(r => r.Tokens) + fineTuned.Sum(r => r.Tokens),
                WallSeconds = pretrained.Sum(r => r.WallSeconds) + fineTuned.Sum(r => r.WallSeconds),
                Runs = new(stages.Select(s => s.Folder).Concat(runs.Select(r => r.Folder)), " "),
            });
        }
        return reports;
    }

    /// <summary>A stage and the stages before it, first first.</summary>
    public static List<PretrainStage> Chain(PretrainStage last)
    {
        var chain = new List<PretrainStage>();
        for (var stage = last; stage is not null; stage = stage.Previous) chain.Insert(0, stage);
        return chain;
    }

    static double? MeanOrNull(IEnumerable<double?> values)
    {
        var known = values.OfType<double>().ToList();
        return known.Count == 0 ? null : known.Average();
    }
}
