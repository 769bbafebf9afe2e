namespace BertAdapt.Engine.Data.Overlap;

/// <summary>How a held-out text was found in a corpus, strongest first.</summary>
public enum OverlapKind
{
    /// <summary>A corpus line or document is the held-out text, after normalisation.</summary>
    Exact,
    /// <summary>Every word run of the held-out text is in one corpus document, which holds more besides.</summary>
    Contained,
    /// <summary>At least the threshold's share of the held-out text's word runs is in one corpus document.</summary>
    NearDuplicate,
}
