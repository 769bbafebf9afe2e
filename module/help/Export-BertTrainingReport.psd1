@{
    Synopsis    = 'Writes a training run as one self-contained HTML report with loss, perplexity, learning-rate and throughput charts.'

    Description = @'
Export-BertTrainingReport draws a training run as a single HTML file that opens in any browser, offline: nothing is loaded from the network (no scripts, style sheets, fonts or images from elsewhere), and the page says so with a Content-Security-Policy. The file can be attached to a ticket or archived next to a checkpoint.

The report has:
- a summary: the number of steps, the final training loss, the best validation perplexity and the step it was reached at, the wall time, the number of tokens (and masked tokens) and the overall throughput;
- a training-loss chart with the loss of every step, a smoothed line (an exponential moving average) and, where validation ran, the validation loss;
- a validation-perplexity chart with a point for each evaluation (a log scale when the values span a factor of 20 or more). When the run had no validation, the chart says "no validation was run";
- a learning-rate chart and a throughput chart (tokens per second);
- a table of the run's settings.

A fine-tuning run (Invoke-FineTune, whose steps mask no tokens) is shown by its task instead: the summary gives the best value of the task's validation metric (macro-F1, micro-F1, entity F1 or Pearson r, all higher-is-better) and the step it was reached at, the second chart draws that metric at each evaluation, and the settings of a fine-tuned model add its task, its labels and the metric's baseline (the majority class, or the training mean for regression).

The run comes from one of two places. With -Model (or a model piped in), the report uses the model's History, which holds one record per optimizer step, and the settings the model knows of itself: preset and shape, parameter count, vocabulary, source, device and the files it was trained on. With -MetricsPath, it reads a metrics JSONL file written by Invoke-MlmTraining -MetricsPath or -OutputPath; a run directory (the -OutputPath of Invoke-MlmTraining) can be given instead of its metrics.jsonl. When the file sits in a run directory, the settings also come from the newest checkpoint there: objective, batch size, gradient accumulation, sequence length, seed, mask probability, peak learning rate, schedule, planned steps and the model's shape.

Long runs stay small and quick to open: each series is drawn from at most 2,000 points, keeping the lowest and the highest value of each bucket of steps, so spikes stay visible. Steps whose values are not finite (NaN) are left as gaps in the lines.

The file is written to a temporary file beside the target and then renamed, so the target is never half-written. It must not exist unless you use -Force; missing parent folders are created. The target is checked when the command begins, before any input arrives, so in ... | Invoke-MlmTraining ... | Export-BertTrainingReport ./reports/run.html a target that cannot be written (ReportPathNotWritable), is a folder (ReportPathIsDirectory) or exists without -Force (ReportExists) stops the pipeline before the first training step.
'@

    Parameters  = @{
        Path        = 'The HTML file to write. Wildcard characters are not expanded. A relative path is resolved against the current PowerShell location; missing parent folders are created.'
        Model       = 'The model whose training history is drawn, usually piped from Invoke-MlmTraining. A model that has not been trained has no history, which is an error (ReportNoMetrics).'
        MetricsPath = 'A metrics JSONL file, one JSON object per optimizer step (step, loss, learning_rate, tokens_per_second, validation_perplexity and so on), as written by Invoke-MlmTraining or Invoke-FineTune. A run directory stands for the metrics.jsonl inside it. Wildcards may be used if they match exactly one file. A line that is not a step record fails with a MetricsInvalid error that gives its line number; blank lines are skipped.'
        LiteralMetricsPath = 'The metrics file (or run directory) taken exactly as written: no character is a wildcard, so metrics[1].jsonl is that file. A metrics file piped from Get-Item or Get-ChildItem binds here through its PSPath property.'
        RunId       = 'Reports only the run with this id: the run_id of its metrics lines (and of its trainer_state.json). Without it the report shows every run in the file or history, each drawn as its own stretch of line and listed in a Runs table, so two runs are never read as one. A run id that no record has fails with ReportRunNotFound.'
        Title       = 'The heading of the report and the title of its browser tab. By default "Training report:" followed by the model''s preset or shape, or the run directory''s name.'
        Force       = 'Replaces the report file if it exists. Without -Force an existing file is an error (ReportExists) and nothing is written.'
        PassThru    = 'Writes a FileInfo object for the report to the pipeline, for example to open it with Invoke-Item. By default Export-BertTrainingReport writes nothing.'
        WhatIf      = 'Shows which file would be written or replaced, without writing anything. A target that could not be written is still an error.'
        Confirm     = 'Asks for confirmation before writing the report.'
    }

    Inputs      = @{
        'BertAdapt.BertModel' = 'A trained model can be piped to -Model.'
        'System.IO.FileInfo'  = 'A metrics file from Get-Item or Get-ChildItem binds to -LiteralMetricsPath through its PSPath property.'
    }

    Outputs     = @{
        'System.IO.FileInfo' = 'With -PassThru, the report file that was written. Without -PassThru there is no output.'
    }

    Notes       = @'
The report is written at the moment the cmdlet runs; it does not follow a run that is still going. Run the cmdlet again with -Force to redraw it.

Error ids: ReportNoMetrics (there are no training steps to draw), ReportExists (the file exists and -Force was not given), ReportPathIsDirectory, MetricsInvalid (a line of the metrics file is not a step record), MetricsFileNotFound and MetricsNoMatch (the metrics file is missing), ReportWriteFailed.
'@

    Examples    = @(
        @{
            Title   = 'Train a model and draw its run'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 30 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3 -ValidationSplit 0.05 -EvalEvery 10
$model | Export-BertTrainingReport ./out/bert-tiny-report.html -Force
'@
            Remarks = 'Trains a new tiny model for 30 steps, measuring validation perplexity every 10 steps on 5% of the corpus, and writes the report of those steps to ./out/bert-tiny-report.html (-Force replaces an earlier report).'
        }
        @{
            Title   = 'Report on a training job from its directory'
            Code    = @'
New-BertModel -Preset tiny -Seed 1 |
    Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 10 -BatchSize 8 -SequenceLength 64 -OutputPath ./out/jobs/tiny-runbooks | Out-Null
Export-BertTrainingReport ./out/report.html -MetricsPath ./out/jobs/tiny-runbooks -Title 'Runbook adaptation, tiny' -Force -PassThru
'@
            Remarks = 'The first command runs a small job. The second reads ./out/jobs/tiny-runbooks/metrics.jsonl, takes the settings from the newest checkpoint in that directory, replaces ./out/report.html and writes its FileInfo to the pipeline (-PassThru); pipe that to Invoke-Item to open the report in the default browser.'
        }
        @{
            Title   = 'See what would happen'
            Code    = @'
$model = New-BertModel -Preset tiny | Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 5 -BatchSize 8 -SequenceLength 64
$model | Export-BertTrainingReport ./out/bert-tiny-report.html -Force -WhatIf
'@
            Remarks = 'Prints "What if: Performing the operation "Replace with a training report" on target ..." when the file exists (or "Write a training report" when it does not) and writes nothing.'
        }
    )

    RelatedLinks = @('Invoke-MlmTraining', 'Measure-Perplexity', 'Export-Checkpoint')
}
