using BertAdapt.Engine.Data.Overlap;

namespace BertAdapt.Engine.Studies;

/// <summary>What one pre-training corpus of a study ("domain" or "task") shares with its validation data.</summary>
public sealed record StudyOverlap(string Corpus, CorpusOverlapReport Report);
