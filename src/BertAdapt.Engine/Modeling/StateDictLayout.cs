namespace BertAdapt.Engine.Modeling;

/// <summary>
/// The parameter names and shapes of <see cref="BertForPreTraining"/> for a config, computed
/// without building the model, so a checkpoint's header can be checked before any allocation.
/// </summary>
public static class StateDictLayout
{
    /// <summary>Keys Hugging Face may store for the tied decoder; they duplicate other parameters.</summary>
    public static IReadOnlySet<string> TiedAliases { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "cls.predictions.decoder.weight", "cls.predictions.decoder.bias",
    };

    /// <summary>
    /// How many values <see cref="PreTraining"/>'s tensors hold, counted from the config alone (as
    /// a double, so that an absurd config cannot overflow it or make a dictionary of its layers).
    /// </summary>
    public static double ParameterCount(BertConfig c, int? classifierOutputs = null)
    {
        double h = c.HiddenSize, i = c.IntermediateSize, v = c.VocabSize;
        double embeddings = (v + c.MaxPositionEmbeddings + c.TypeVocabSize) * h + 2 * h;
        double layer = 4 * (h * h + h) + 2 * h + (i * h + i) + (h * i + h) + 2 * h;
        double heads = (h * h + h) + v + (h * h + h) + 2 * h + (2 * h + 2);
        double classifier = classifierOutputs is int outputs ? outputs * h + outputs : 0;
        return embeddings + c.NumHiddenLayers * layer + heads + classifier;
    }

    /// <param name="classifierOutputs">The outputs of an attached fine-tuning head (<c>classifier.*</c>), if any.</param>
    public static IReadOnlyDictionary<string, long[]> PreTraining(BertConfig c, int? classifierOutputs = null)
    {
        long h = c.HiddenSize, i = c.IntermediateSize;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["bert.embeddings.word_embeddings.weight"] = [c.VocabSize, h],
            ["bert.embeddings.position_embeddings.weight"] = [c.MaxPositionEmbeddings, h],
            ["bert.embeddings.token_type_embeddings.weight"] = [c.TypeVocabSize, h],
            ["bert.embeddings.LayerNorm.weight"] = [h],
            ["bert.embeddings.LayerNorm.bias"] = [h],
        };
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var p = $"bert.encoder.layer.{l}.";
            foreach (var name in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                shapes[p + name + ".weight"] = [h, h];
                shapes[p + name + ".bias"] = [h];
            }
            shapes[p + "attention.output.LayerNorm.weight"] = [h];
            shapes[p + "attention.output.LayerNorm.bias"] = [h];
            shapes[p + "intermediate.dense.weight"] = [i, h];
            shapes[p + "intermediate.dense.bias"] = [i];
            shapes[p + "output.dense.weight"] = [h, i];
            shapes[p + "output.dense.bias"] = [h];
            shapes[p + "output.LayerNorm.weight"] = [h];
            shapes[p + "output.LayerNorm.bias"] = [h];
        }
        shapes["bert.pooler.dense.weight"] = [h, h];
        shapes["bert.pooler.dense.bias"] = [h];
        shapes["cls.predictions.bias"] = [c.VocabSize];
        shapes["cls.predictions.transform.dense.weight"] = [h, h];
        shapes["cls.predictions.transform.dense.bias"] = [h];
        shapes["cls.predictions.transform.LayerNorm.weight"] = [h];
        shapes["cls.predictions.transform.LayerNorm.bias"] = [h];
        shapes["cls.seq_relationship.weight"] = [2, h];
        shapes["cls.seq_relationship.bias"] = [2];
        if (classifierOutputs is int outputs)
        {
            shapes["classifier.weight"] = [outputs, h];
            shapes["classifier.bias"] = [outputs];
        }
        return shapes;
    }
}
