using System.Runtime.InteropServices;
using System.Text.Json;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// What BertAdapt computes for a fixed padded batch, saved as safetensors beside an exported
/// checkpoint so another implementation (Hugging Face <c>transformers</c>, see
/// <c>tests/interop/</c>) can load the checkpoint, run the same inputs and compare:
/// <c>input_ids</c>, <c>token_type_ids</c>, <c>attention_mask</c> (I64, [batch, length]),
/// <c>last_hidden_state</c> (F32, [batch, length, hidden]), <c>seq_relationship_logits</c>
/// (F32, [batch, 2]) and, to keep the file small, <c>prediction_logits</c> (F32, [n, vocab]) only
/// at the flat positions (row × length + column) listed in <c>prediction_positions</c> (I64, [n]):
/// at most <see cref="MaxPredictionRows"/> attended positions spread over the batch.
/// </summary>
public static class ReferenceOutputs
{
    public const string FileName = "bertadapt_reference.safetensors";
    public const int MaxPredictionRows = 48;

    /// <summary>
    /// Encodes each input (a text, or a pair given as two strings) as [CLS] A [SEP] (B [SEP]),
    /// cut to <paramref name="maxLength"/> as fine-tuning does, pads the batch, runs the
    /// model in eval mode and writes the outputs to <paramref name="path"/>.
    /// </summary>
    public static void Write(BertModel model, string path, IReadOnlyList<string[]> inputs, int maxLength = 64)
    {
        if (inputs.Count == 0 || inputs.Any(i => i.Length is < 1 or > 2))
            throw new ArgumentException("Each input is one text or a pair of texts.", nameof(inputs));
        var vocabulary = model.Vocabulary;
        var rows = inputs.Select(texts =>
        {
            var (ids, types, _) = Data.FineTuning.FineTuneExamples.Assemble(vocabulary, vocabulary.Encode(texts[0]),
                texts.Length == 2 ? vocabulary.Encode(texts[1]) : null, maxLength);
            return (ids, types);
        }).ToList();
        int length = rows.Max(r => r.ids.Length);
        int batch = rows.Count;
        var inputIds = new long[batch * length];
        var tokenTypes = new long[batch * length];
        var attention = new long[batch * length];
        Array.Fill(inputIds, vocabulary.PadId);
        for (int r = 0; r < batch; r++)
        {
            for (int t = 0; t < rows[r].ids.Length; t++)
            {
                inputIds[r * length + t] = rows[r].ids[t];
                tokenTypes[r * length + t] = rows[r].types[t];
                attention[r * length + t] = 1;
            }
        }

        var module = model.Module;
        bool wasTraining = module.training;
        module.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var device = module.Device;
            long[] shape = [batch, length];
            var ids = tensor(inputIds, shape, device: device);
            var types = tensor(tokenTypes, shape, device: device);
            var mask = tensor(attention, shape, device: device);
            var hidden = module.Bert.Encode(ids, types, mask).to_type(ScalarType.Float32);
            var (prediction, relationship) = module.Logits(ids, types, mask);
            var attended = Enumerable.Range(0, attention.Length).Where(i => attention[i] == 1).ToArray();
            int stride = (attended.Length + MaxPredictionRows - 1) / MaxPredictionRows;
            var positions = attended.Where((_, k) => k % stride == 0).Select(i => (long)i).ToArray();
            var rowsKept = prediction.view(-1, prediction.shape[2]).index_select(0, tensor(positions, device: device));
            var items = new List<SafeTensorWriteItem>
            {
                Long("input_ids", inputIds, shape),
                Long("token_type_ids", tokenTypes, shape),
                Long("attention_mask", attention, shape),
                Float("last_hidden_state", hidden),
                Long("prediction_positions", positions, [positions.Length]),
                Float("prediction_logits", rowsKept),
                Float("seq_relationship_logits", relationship),
            };
            SafeTensorsWriter.Write(path, items, new Dictionary<string, string>
            {
                ["format"] = "pt",
                ["inputs"] = JsonSerializer.Serialize(inputs),
                ["source"] = model.Source,
            });
        }
        finally
        {
            module.train(wasTraining);
        }
    }

    static SafeTensorWriteItem Long(string name, long[] values, long[] shape) =>
        new(name, SafeTensorDType.I64, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    static SafeTensorWriteItem Float(string name, Tensor value)
    {
        var host = value.cpu().contiguous();
        return new(name, SafeTensorDType.F32, host.shape, host.bytes.ToArray());
    }
}
