@{
    Synopsis    = 'Runs a training job described in a YAML file, for schedulers such as Task Scheduler, systemd or cron.'

    Description = @'
Invoke-BertJob reads a YAML job file and runs it with the module's own cmdlets, in this order: the model (New-BertModel or Import-BertCheckpoint), then Invoke-MlmTraining, Invoke-FineTune, one run of a Compare-BertAdaptation study, Export-Checkpoint and Measure-Perplexity. A job behaves exactly as the same cmdlets typed by hand: the same progress, verbose messages, checkpoints, resume and errors.

A job file has up to six sections. Each key is a parameter name of the section's cmdlet, written in camelCase (keys are case-insensitive), and each value is what you would give that parameter:
- model (required): exactly one of checkpoint (a Hugging Face checkpoint directory, as Import-BertCheckpoint -LiteralPath), preset (as New-BertModel -Preset) or config (a config.json path or a mapping of its fields, as New-BertModel -Config). With preset or config you may add vocabulary, cased and seed.
- training (optional): Invoke-MlmTraining parameters, for example corpus, maxSteps, batchSize, learningRate, outputPath, checkpointEvery, objective, wholeWordMask, validationSplit, encoding. corpus (wildcards expanded) or literalCorpus (names taken exactly, for a file such as run[1].txt) is required.
- fineTune (optional): Invoke-FineTune parameters, for example task, trainingData, validationData, textColumn, labelColumn, epochs, learningRate, outputPath. task and trainingData (or literalTrainingData) are required: a job reads labelled files, not pipeline rows. It runs after training, so one job can pre-train on a corpus and then fine-tune; with validationData the model is evaluated after each epoch (its Evaluations), and the export section exports the fine-tuned model.
- study (optional): Compare-BertAdaptation parameters, for one run of a study written by Compare-BertAdaptation -AsJobFiles: the study's parameters with outputPath (the study folder) and run (the run's name), the model section naming the study's base-model as its checkpoint. The job runs that run only, writes the run's record instead of the model, and runs no other section after it. Under -WhatIf it is listed and not run.
- export (optional): Export-Checkpoint parameters: path (or literalPath) and force. The export destination is checked before the model is made or trained, so a destination that exists (without force) or cannot be written fails the job before any training step.
- perplexity (optional): Measure-Perplexity parameters, for example corpus and sequenceLength. It is measured after training and export.

Relative paths in a job file, wildcards included, are relative to the folder of the job file, not to the current location, because schedulers start jobs in arbitrary folders. A list value may be written as a YAML list or, for one item, as a single value. A switch such as wholeWordMask or force takes true or false.

The whole file is checked before anything runs: unknown sections or keys (with a suggestion for a near miss), values of the wrong type, values outside a parameter's allowed range or set, keys that cannot be used together, missing required keys, duplicate keys and malformed YAML are all reported at once, each with its line and column, as one JobFileInvalid error. When several job files are given, all are checked before the first one starts.

With outputPath in the training section, the job writes numbered checkpoints there (see -CheckpointEvery of Invoke-MlmTraining), and the rerun rules of Invoke-MlmTraining -OutputPath decide what the next run of the job does. With the same model, corpus content and settings, an interrupted run resumes from its last checkpoint, and a finished run says so with a warning, trains nothing, and the job goes on to export and measure the model it trained. When the corpus content or a setting changed, the job stops with TrainingRunChanged, which names every change, and exits non-zero; continue: true in the training section makes it start a new run from the last weights instead (continued pre-training, the usual daily job), and restart: true starts afresh from the model section's model. Two jobs cannot use the same outputPath at the same time: the second fails at once with OutputPathLocked.

A failing step stops the job with that step's own error id and category (for example CheckpointExists from the export). A failed job ends the script that runs it, as an error under -ErrorAction Stop does (try/catch still catches it), so both pwsh -Command and pwsh -File exit with code 1, which is what schedulers look at, even when the script does not set $ErrorActionPreference. A termination signal during training (SIGTERM from systemctl stop or timeout, SIGINT, SIGQUIT, SIGHUP; console close and shutdown on Windows) saves a checkpoint and stops the job before its export, with exit code 143 for SIGTERM, 130 for SIGINT, 131 for SIGQUIT and 129 for SIGHUP.
'@

    Parameters  = @{
        Path        = 'The job file or files to run. Wildcard characters are expanded, and a pattern must match at least one file. A relative path is resolved against the current location; the paths inside the job file are resolved against the job file''s folder.'
        LiteralPath = 'The job file or files to run, taken exactly as written (no wildcard expansion). Files piped from Get-ChildItem bind here through their PSPath property.'
        WhatIf      = 'Checks the job file and shows what the training and export would do, without training or writing anything. The model is still created or imported, perplexity is not measured, and nothing is written to the pipeline.'
        Confirm     = 'Asks for confirmation before the training and before the export. Declining the training skips the rest of that job.'
    }

    Inputs      = @{
        'System.String' = 'A job file path can be piped to -Path, and objects with a Path or PSPath property (such as files from Get-ChildItem) bind by property name.'
    }

    Outputs     = @{
        'BertAdapt.BertModel'                         = 'The model the job trained (or imported, or created, when the job has no training section), after it has been exported.'
        'BertAdapt.Engine.Evaluation.PerplexityResult' = 'When the job has a perplexity section, the perplexity of the model on that corpus, written after the model.'
        'BertAdapt.Engine.Studies.StudyRunRecord'      = 'When the job has a study section: the record of the study run it ran (or found finished), as Compare-BertAdaptation -Run writes it; the model is then not written.'
    }

    Notes       = @'
A minimal job file:

model:
  preset: mini
training:
  corpus: [./runbooks/*.txt]
  maxSteps: 1000
  outputPath: ./out/job
  checkpointEvery: 100
export:
  path: ./out/bert-runbooks
  force: true
perplexity:
  corpus: ./heldout.txt

The folder examples/jobs of the module's repository holds a working job file, a script that registers it with Windows Task Scheduler, and a systemd service and timer (with the equivalent cron line).

To run a job unattended, call pwsh -NoProfile -NonInteractive -Command "Import-Module <module folder>/BertAdapt.psd1; Invoke-BertJob -Path <job file>". The exit code is 0 when the job succeeded and 1 when it failed; the error is written to standard error.
'@

    Examples    = @(
        @{
            Title   = 'Run a job file'
            Code    = @'
Invoke-BertJob -Path ./examples/jobs/runbooks.job.yaml -Verbose
'@
            Remarks = 'Checks the job file, then creates the model, trains it on the bundled runbooks, exports it to ./out/jobs/bert-mini-runbooks and measures its perplexity, as the sections of the file say (its relative paths are relative to the file''s folder). -Verbose shows each cmdlet call with its parameters. Run again, it says the run is finished and trains nothing.'
        }
        @{
            Title   = 'Check a job without running it'
            Code    = @'
Invoke-BertJob -Path ./examples/jobs/runbooks.job.yaml -WhatIf
'@
            Remarks = 'Reports every problem in the file with its line and column, or, when the file is valid, shows what the training and export would do.'
        }
        @{
            Title   = 'Run every job in a folder and keep the results'
            Code    = @'
$results = Get-ChildItem ./examples/jobs -Filter *.job.yaml | Invoke-BertJob
$results | Where-Object Perplexity | Format-Table Perplexity, Loss, MaskedTokens
'@
            Remarks = 'All the job files are checked before the first one starts. The output holds each trained model and, for jobs with a perplexity section, its perplexity result.'
        }
        @{
            Title   = 'Run a job from a scheduler'
            Code    = @'
pwsh -NoProfile -NonInteractive -Command "Import-Module ./BertAdapt.psd1; Invoke-BertJob -Path ./examples/jobs/runbooks.job.yaml"
'@
            Remarks = 'The command a scheduled task, systemd service or cron line runs (with the module''s full path, such as /opt/bertadapt/BertAdapt.psd1, and the job''s). It exits with code 1 when the job fails, so the scheduler records the failure; examples/jobs has a systemd unit and timer and a Task Scheduler script.'
        }
    )

    RelatedLinks = @('Invoke-MlmTraining', 'New-BertModel', 'Import-BertCheckpoint', 'Export-Checkpoint', 'Measure-Perplexity')
}
