namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Splits examples into training and validation views, deterministically: example i goes to
/// validation when a draw from (seed, Split stream, i) falls below the fraction. The same seed
/// and examples give the same split on every run and machine, and the views are disjoint and
/// cover every example.
/// </summary>
/// <remarks>
/// A hash decides membership rather than a contiguous tail of documents, so validation samples
/// the whole corpus (files and topics late in the list are not all held out). Each view maps
/// its indexes back through a <see cref="SparseSelection"/>: one long per 1024 examples per
/// view, 16 bytes per 1024 examples in all (about 31 KB for two million windows).
/// </remarks>
public static class ExampleSplit
{
    public static (ITrainingExamples Train, ITrainingExamples Validation) Create(ITrainingExamples examples, double validationFraction, long seed)
    {
        if (!(validationFraction is >= 0 and < 1))
            throw new BertAdaptException("ValidationSplitInvalid", BertAdaptErrorKind.InvalidArgument,
                $"The validation split must be at least 0 and less than 1 (got {validationFraction}).", validationFraction);
        bool IsValidation(long index) => IsHeldOut(index, validationFraction, seed);
        var train = SparseSelection.Build(examples.Count, index => !IsValidation(index));
        var validation = SparseSelection.Build(examples.Count, IsValidation);
        return (new SelectedExamples(examples, train), new SelectedExamples(examples, validation));
    }

    /// <summary>Whether item <paramref name="index"/> goes to validation: the one rule every split of this engine follows.</summary>
    public static bool IsHeldOut(long index, double validationFraction, long seed) =>
        StatelessRandom.For(seed, StatelessRandom.Streams.Split, 0, index).NextDouble() < validationFraction;

    /// <summary>The examples a selection picks, renumbered from 0.</summary>
    sealed class SelectedExamples(ITrainingExamples source, SparseSelection selection) : ITrainingExamples
    {
        public long Count => selection.Count;

        public TrainingExample Get(long index, int epoch) => source.Get(selection.Select(index), epoch);
    }
}
