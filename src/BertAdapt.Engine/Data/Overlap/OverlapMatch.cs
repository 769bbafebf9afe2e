namespace BertAdapt.Engine.Data.Overlap;

/// <summary>A held-out text found in the corpus: its strongest match, and how many corpus documents held it.</summary>
/// <param name="Containment">The share of the held-out text's word runs found in that document (1 for an exact match).</param>
/// <param name="CorpusSource">Where the strongest match is: "file:line N" (for a run match, the line its first shared run ends on) or "file, text N" for a record.</param>
/// <param name="Documents">How many corpus documents matched it at or above the threshold.</param>
public sealed record OverlapMatch(string HeldOutSource, string HeldOutText, OverlapKind Kind, double Containment, string CorpusSource, long Documents);
