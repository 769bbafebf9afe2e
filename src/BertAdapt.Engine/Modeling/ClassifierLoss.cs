using BertAdapt.Engine.Data.FineTuning;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

/// <summary>The classifier head's logits of a fine-tuning batch and the task's loss over them, as Hugging Face's BertFor*Classification compute them.</summary>
internal static class ClassifierLoss
{
    /// <summary>The classifier logits of a host batch, its tensors made on the model's device.</summary>
    internal static Tensor Logits(BertForPreTraining module, FineTuneBatch batch)
    {
        var device = module.Device;
        long[] shape = [batch.Rows, batch.Length];
        return module.ClassifierLogits(tensor(batch.InputIds, shape, device: device),
            tensor(batch.TokenTypeIds, shape, device: device), tensor(batch.AttentionMask, shape, device: device));
    }

    /// <summary>The task's loss of a batch's logits, as Hugging Face computes it.</summary>
    internal static Tensor Of(Tensor logits, FineTuneBatch batch, FineTuneTask task, Tensor? weights, Device device)
    {
        switch (task)
        {
            case FineTuneTask.SequenceClassification:
                return nn.functional.cross_entropy(logits, tensor(batch.ClassLabels!, device: device), weight: weights);
            case FineTuneTask.MultiLabelClassification:
                return nn.functional.binary_cross_entropy_with_logits(logits, tensor(batch.Targets!, logits.shape, device: device));
            case FineTuneTask.Regression:
                return nn.functional.mse_loss(logits.view(-1), tensor(batch.Targets!, device: device));
            default:
                return nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), tensor(batch.TokenLabels!, device: device),
                    weight: weights, ignore_index: FineTuneExample.IgnoredLabel);
        }
    }
}
