@{
    Synopsis    = 'Tests on your own data whether further pre-training (domain or task masked-LM, with or without NSP) helps a fine-tuned task, over several seeds, with the noise stated.'

    Description = @'
Compare-BertAdaptation answers the question "should I just fine-tune, or first continue pre-training on my unlabelled text?" by running the alternatives side by side with everything else held fixed, and comparing each with fine-tuning alone. The strategies (-Strategy, all by default):
- FineTuneOnly: fine-tune the base model as it is. This is the baseline every other strategy is compared with.
- DomainMlm: masked-LM on -DomainCorpus (domain-adaptive pre-training, DAPT), then fine-tune.
- DomainMlmNsp: the same with BERT's next-sentence prediction added (-Objective MlmNsp of Invoke-MlmTraining).
- TaskMlm: masked-LM on the task's own training text only (task-adaptive pre-training, TAPT): the text column(s) of -TrainingData, one row per document, never the validation text.
- DomainThenTaskMlm: domain masked-LM then task masked-LM; the budget is split, half of the steps (rounded down) on the domain corpus and the rest on the task text.
Each pre-training strategy runs again at every rate of -MaskProbability (for example 0.15,0.3).

What is held fixed: every pre-training strategy gets the same budget (-PretrainSteps, or -PretrainTokens turned into steps of -PretrainBatchSize x -SequenceLength tokens, rounded up) and the same pre-training settings; every fine-tuning run gets the same fine-tuning settings (-Epochs, -MaxSteps, -BatchSize, -LearningRate, -WarmupRatio, -WeightDecay, -MaxLength, ...); and each strategy is fine-tuned with every seed of -Seeds (1, 2, 3 by default; fewer than 3 gives a warning). Pre-training is done once per strategy and masking rate, with the first seed, and all fine-tuning seeds start from that one model, as Gururangan et al. (2020) trained one DAPT model per domain; the spread over seeds is then fine-tuning's noise alone. -PretrainEachSeed pre-trains once per seed instead, so the spread includes pre-training's noise as well, at seeds times the pre-training cost.

The study writes one object per strategy and masking rate: the task metric of each seed (the validation score of the last evaluation, after the last epoch: macro-F1, micro-F1, entity F1 or Pearson r), their mean and sample standard deviation; against FineTuneOnly, the difference of the means with a 95% confidence interval by Welch's t test (which does not assume equal variances), and a verdict: Better or Worse when the interval excludes zero, WithinNoise when it holds zero, Undetermined with fewer than two seeds; the masked-token perplexity on the domain text (-DomainValidationCorpus, else -DomainCorpus) before and after pre-training, and on -ReferenceCorpus when given, which shows what the model forgot of general text; always measured with 15% masking and seed 0, whatever rate a model trained at, so numbers compare; and the cost: steps, tokens and seconds of pre-training and fine-tuning.

-WhatIf prints the plan instead of running it ("What if: Compare-BertAdaptation would run ..."), and -Plan writes it as an object (StudyEstimate, whose Runs are PlannedStudyRun rows). Both read no more than the first 256 KB of each file: rows and tokens found there are scaled by the share of the file that is (exact for smaller files; the header says which). Each run is listed with its folder, kind, strategy, seed, steps, tokens and estimated time, then the totals: runs, tokens, wall time and disk (the base model, each run's folder with its final checkpoint and optimizer state, the task corpus and new token-cache shards). The times come from a calibration on this machine with the study's device, threads, precision, batch sizes and lengths: a copy of the model is exported and imported, trained 4 masked-LM steps and 4 fine-tuning steps with an evaluation every 2 (the first step untimed; the median gap between steps is the rate) on synthetic tokens, each in a run folder with its checkpoint, and timed on a perplexity batch and a fine-tuning evaluation, all in a temporary folder that is then removed. The calibration first takes up to 3 seconds of untimed steps of each kind (the runtime optimizes code only after some 30 calls, and until then a small model's steps are several times slower than in a study); it is then repeated while the repeats end within 15 seconds, up to 4 times, and each rate is the median of the repeats after the first (which runs code the runtime has not optimized yet). The estimate adds, per run, its fixed cost (import, setup, the final checkpoint), its steps, perplexity after pre-training on the domain and reference text, evaluation after each fine-tuning epoch, and reading and tokenizing the data (as if the token cache were cold, so a rerun is faster). The calibration takes seconds on a tiny model, and for a BERT-base on a CPU about as long as 8 of its training steps and a few evaluation batches (a minute or more). -WhatIf does not run the leakage check (see -AllowOverlap), which reads every corpus whole. -Confirm asks once, for the whole study.

Everything lives in -OutputPath: base-model (the base model, exported once, which every run imports), base-model.json (its perplexity), task-corpus.txt (TaskMlm's text), runs/<run> (one run directory per pre-training stage and per fine-tuning run, with metrics.jsonl and checkpoints, under the rerun rules of Invoke-MlmTraining and Invoke-FineTune, and run.json once the run has finished), study-plan.json (what the study is), leakage-check.json (what the set-up's leakage check found), runs.csv and study.json (every run's numbers, and the strategies'), and report.html: the study on one self-contained HTML page (inline SVG charts and CSS, no scripts, nothing loaded from anywhere) with the task metric by strategy (each seed, the mean, FineTuneOnly's mean and standard deviation, each strategy's Welch interval), perplexity before and after pre-training (and on -ReferenceCorpus), a table per strategy, the leakage check and the settings, every number taken from the same reports and run records. The whole study writes runs.csv, study.json and report.html when it ends, and -Collect writes them again from what has finished. The numbers of the report come from each run's own metrics.jsonl. Running the same command again after a kill, a reboot or Ctrl+C skips the runs that finished, resumes an interrupted run from its last checkpoint (use -CheckpointEvery for long runs) and goes on; Compare-BertAdaptation -Collect <folder> reports whatever has finished so far, from the folder alone. A run of the same study folder with another model, other data (by content) or other settings stops with AdaptationStudyChanged and runs nothing.

The study is embarrassingly parallel: -AsJobFiles <folder> does its set-up and writes each run as an Invoke-BertJob file, with an index of the waves they run in, for a scheduler to run on many machines (a Slurm job array, Kubernetes Indexed Jobs, Windows Task Scheduler, or parallel Start-Jobs on one machine; see examples/study); each job runs its one run with -Run, and -Collect then reports the same table as the study run in one process with the same seeds.
'@

    Parameters  = @{
        Model                  = 'The base model to adapt, usually from Import-BertCheckpoint or New-BertModel, piped or named. -Model also takes the path of a checkpoint (a string, or a FileInfo or DirectoryInfo), which is imported as Import-BertCheckpoint -LiteralPath would import it. It is exported once into the study folder (base-model) and never changed: every run starts from that copy.'
        DomainCorpus           = 'Unlabelled text of your domain (.txt, .jsonl, .csv or .tsv, each optionally .gz, read as Invoke-MlmTraining reads a corpus): paths or wildcard patterns. DomainMlm, DomainMlmNsp and the first stage of DomainThenTaskMlm train on it.'
        DomainValidationCorpus = 'Held-out domain text on which domain perplexity is measured before and after pre-training. Without it, perplexity is measured on -DomainCorpus itself, the text domain pre-training trains on, which shows fit to that text rather than to the domain.'
        ReferenceCorpus        = 'General-domain text (what the base model was pre-trained on, or text like it). Its perplexity before and after pre-training shows how much of its general language the model forgot.'
        TrainingData           = 'The labelled training files of the task, as Invoke-FineTune reads them: .csv, .tsv and .jsonl (or .gz) for the sequence tasks, CoNLL-style files for token classification. Their text (not the labels) is also TaskMlm''s corpus.'
        ValidationData         = 'The labelled files every fine-tuning run is evaluated on after each epoch; the last evaluation''s score is the run''s result. Its text is never pre-trained on.'
        Task                   = 'SequenceClassification, MultiLabelClassification, Regression or TokenClassification, as for Invoke-FineTune.'
        OutputPath             = 'The study folder: the base model, one folder per run under runs, runs.csv, study.json, report.html and study-plan.json. Missing folders are created; one that cannot be written is OutputPathNotWritable before anything runs. Run the same command again with the same folder to continue a study that stopped.'
        Plan                   = 'Writes the study''s plan and its estimate (a StudyEstimate) instead of running the study: nothing is trained and nothing is written to -OutputPath, which is not created. -WhatIf prints the same plan as text. See the description of -WhatIf below for what the estimate rests on.'
        Collect                = 'A study folder (an -OutputPath of an earlier or running study) whose finished runs are reported, without training anything and without the study''s inputs: the plan is read from its study-plan.json, and each run that has a run.json counts. A strategy then reports the seeds that finished (SeedCount), and one with none is left out; a study still running there is not disturbed. Once the base model has been measured, it writes the study''s result files of what has finished into that folder: runs.csv, study.json (with the leakage check the set-up recorded) and report.html, so a study run as job files gets the same files as one run in one process; a folder that cannot take them gives a warning. A folder of result files copied away from their runs (a study.json without study-plan.json, as in examples/results/adaptation) is reported from its study.json, which is left as it is; only its report.html is written again. A folder with neither is AdaptationStudyNotFound.'
        AsJobFiles             = 'A folder into which the study is written as jobs, for a scheduler to run on many machines that share the study folder: the study''s set-up is done here (study-plan.json, the task corpus, the leakage check, which still stops a leak unless -AllowOverlap is given, and the base model''s export and perplexity), then one Invoke-BertJob file per run (<run>.job.yaml, whose study section is this command with -Run naming its run) and index.csv are written, and nothing is trained. index.csv has one line per run: Wave, TaskIndex, Run, DependsOn, JobFile and RunFolder. A run depends on at most one other (a fine-tuning run on its pre-training stage, the task stage of DomainThenTaskMlm on its domain stage), and is in the wave after it, so the runs of a wave can all run at once once the waves before it have finished; TaskIndex numbers the runs of a wave from 0, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX do. Paths in the job files are relative to their folder, so they hold on another machine that mounts the job files, the study folder and the inputs at the same places relative to each other. Compare-BertAdaptation -Collect <OutputPath> then reports what has finished. examples/study has runners: Start-StudyJobs.ps1 (parallel Start-Job, wave by wave), a Slurm job array, a Kubernetes Indexed Job and a Windows Task Scheduler variant. The command writes one object per job (Wave, TaskIndex, Run, DependsOn, JobFile).'
        Run                    = 'Runs only the named runs of the study (folder names under runs, as index.csv lists them), in the study''s order, and writes the record of each: what a job of -AsJobFiles does. The folder''s set-up must have finished and the other parameters must describe the same study (AdaptationStudyChanged otherwise). A run that finished before is skipped; a run whose prerequisite (the pre-training stage it starts from) has not finished, and is not named before it, fails before anything runs with AdaptationRunNotReady (ResourceUnavailable), and so does any run of a folder whose set-up has not finished; a name the study does not plan is AdaptationRunInvalid. Processes running different runs of one study folder do not wait for each other: each locks only its run''s folder, while a whole study, or -AsJobFiles, locks the study folder for itself.'
        Strategy               = 'The strategies to compare: FineTuneOnly, DomainMlm, DomainMlmNsp, TaskMlm, DomainThenTaskMlm (all by default). Without FineTuneOnly there is no baseline, and every verdict is Undetermined.'
        MaskProbability        = 'The masking rates to pre-train at, one or more (default 0.15). Each rate after the first runs every pre-training strategy again. Perplexity is always measured at 15%, whatever the rate.'
        Seeds                  = 'The seeds of the fine-tuning runs (default 1, 2, 3): each strategy is fine-tuned once per seed, and the seed decides the new head, the data order and dropout. The first seed also seeds the shared pre-training. At least 3 are advised; fewer gives a warning, and one gives no interval.'
        PretrainSteps          = 'The pre-training budget of every pre-training strategy, in optimizer steps of -PretrainBatchSize sequences. DomainThenTaskMlm splits it between its two stages. Give this or -PretrainTokens when any pre-training strategy is in the study (AdaptationBudgetInvalid otherwise).'
        PretrainTokens         = 'The pre-training budget in tokens instead of steps: it becomes ceil(tokens / (PretrainBatchSize x SequenceLength)) steps, stated in the report''s PretrainBudget.'
        PretrainEachSeed       = 'Pre-trains once per seed (with that seed) instead of once per strategy and masking rate, so that the interval covers pre-training''s noise as well as fine-tuning''s. Costs seeds times the pre-training.'
        PretrainBatchSize      = 'Sequences per pre-training step (default 16).'
        PretrainLearningRate   = 'The peak learning rate of pre-training (default 5e-5, suited to a pre-trained checkpoint; a model from New-BertModel needs about 1e-3).'
        SequenceLength         = 'The length in tokens of pre-training sequences and of perplexity measurements (default 128), capped at the model''s max_position_embeddings.'
        LineByLine             = 'Makes one example of each corpus line instead of packing the text into full-length sequences, for pre-training and perplexity alike.'
        CacheDirectory         = 'Where token-id shards of the corpora are cached (the per-user cache by default), as for Invoke-MlmTraining.'
        Epochs                 = 'Passes over the training data in each fine-tuning run (default 3), each followed by an evaluation.'
        MaxSteps               = 'Stops each fine-tuning run after this many optimizer steps, or at the end of -Epochs, whichever comes first; the final evaluation is the run''s score.'
        BatchSize              = 'Examples per fine-tuning step (default 16).'
        LearningRate           = 'The peak learning rate of fine-tuning (default 3e-5).'
        WarmupRatio            = 'The share of each fine-tuning run spent warming the learning rate up (default 0.1).'
        WeightDecay            = 'The AdamW weight decay of fine-tuning (default 0.01).'
        Precision              = 'Float32 (the default), BFloat16 or Float16, for pre-training and fine-tuning alike; see Invoke-MlmTraining.'
        CheckpointEvery        = 'Saves a checkpoint in each run''s folder every this many steps (and always at the end), so a run stopped midway resumes there; without it an interrupted run starts again from its beginning.'
        TextColumn             = 'The column or field of the labelled files that holds each row''s text (default text).'
        TextPairColumn         = 'The column or field holding a second text, for tasks on pairs. TaskMlm reads both texts of a row as one document.'
        LabelColumn            = 'The column or field holding each row''s label (default label).'
        LabelSeparator         = 'For multi-label rows: the separator between labels in one cell (default |).'
        AllowOverlap           = 'Runs the study even when validation text is in a pre-training corpus. Before anything trains, every validation text is looked for in the domain corpus (when a domain strategy runs) and in the task''s training text (when TaskMlm or DomainThenTaskMlm runs), as Test-BertCorpusOverlap does with runs of 8 words and a threshold of 0.8; a leak stops the study with AdaptationCorpusOverlap unless this is given. With it, each leak is a warning and study.json records the overlap (Overlap: counts and matches per corpus).'
        SkipInvalidRows        = 'Skips invalid rows of the labelled files, with a warning, instead of stopping; skipped rows are not in TaskMlm''s corpus either.'
        MaxLength              = 'The most tokens per fine-tuning example (default 128), capped at the model''s max_position_embeddings.'
        ClassWeights           = 'None (default) or Auto: class-weighted loss in fine-tuning, as for Invoke-FineTune.'
        Threshold              = 'Multi-label: the probability at which a label counts as predicted (default 0.5).'
        Encoding               = 'The encoding of labelled files without a byte-order mark (UTF-8 by default), as for Invoke-FineTune.'
        Device                 = 'Where to train and measure: Auto (the default) takes a CUDA GPU when this build and machine have one, else the CPU; Cpu and Cuda force the choice, and cuda:N picks the GPU with index N.'
        Threads                = 'How many CPU threads libtorch may use (1 to 1024). Without it: BERTADAPT_THREADS, else OMP_NUM_THREADS, else the number of logical processors. The previous count is restored when the study ends.'
    }

    Defaults    = @{
        Threads                = 'BERTADAPT_THREADS, else OMP_NUM_THREADS, else the logical processors'
        Strategy               = 'FineTuneOnly, DomainMlm, DomainMlmNsp, TaskMlm, DomainThenTaskMlm'
        MaskProbability        = '0.15'
        Seeds                  = '1, 2, 3'
        PretrainSteps          = 'None: give it or -PretrainTokens'
        PretrainTokens         = 'None: give it or -PretrainSteps'
        MaxSteps               = 'None (the epochs decide)'
        PretrainLearningRate   = '5e-5'
        LearningRate           = '3e-5'
    }

    Inputs      = @{
        'BertAdapt.BertModel' = 'The base model can be piped to -Model.'
        'System.String'       = 'The path of a checkpoint, given to -Model, is imported.'
    }

    Outputs     = @{
        'BertAdapt.Engine.Studies.StudyJob' = 'With -AsJobFiles: one object per job file written, by wave: Wave (from 1), TaskIndex (the run''s place in its wave, from 0), Run (the run''s folder under runs), DependsOn (the run it starts from, empty when it starts from the base model) and JobFile (the file''s name in the -AsJobFiles folder).'
        'BertAdapt.Engine.Studies.StudyRunRecord' = 'With -Run: the record of each named run, as its run.json holds it: Kind (Pretrain or FineTune), Folder, Strategy, Stage, Corpus, Objective, MaskProbability, Seed, RunId, Steps, Tokens, WallSeconds, Metric, Score, DomainPerplexity, ReferencePerplexity, Checkpoint and StartedFrom.'
        'BertAdapt.Engine.Studies.AdaptationStrategyReport' = @'
One object per strategy and masking rate, FineTuneOnly first, ready for Export-Csv:
- Strategy, MaskProbability (empty for FineTuneOnly), Metric, SeedCount, Seeds, SeedScores (each seed's score, in the order of Seeds), MetricMean, MetricStdDev (sample standard deviation).
- Difference (MetricMean minus FineTuneOnly's), DifferenceLow, DifferenceHigh (its 95% interval by Welch's t), Verdict (Baseline, Better, Worse, WithinNoise or Undetermined) and Comparison (how it was compared).
- DomainPerplexityBefore, DomainPerplexityAfter, ReferencePerplexityBefore, ReferencePerplexityAfter (15% masking, seed 0).
- PretrainBudget, PretrainSteps, PretrainTokens, PretrainSeconds, FineTuneTokens, FineTuneSeconds, TokensProcessed and WallSeconds (time in the training loops, from the runs' metrics files), and Runs (the run folders behind the numbers).
'@
        'BertAdapt.Engine.Studies.StudyEstimate'            = @'
With -Plan: one object, the plan and its estimate. Runs (one PlannedStudyRun per run, the base model first: Number, Folder, Kind, Strategy, MaskProbability, Seed, Steps, Tokens, EstimatedSeconds, EstimatedTime, Description), RunCount, Tokens, EstimatedSeconds and EstimatedTime (the sum of the runs), DiskBytes, Exact (false when a file was larger than the sample), Calibration (the timed rates: PretrainStepSeconds, FineTuneStepSeconds, PerplexitySequenceSeconds, EvaluationRowSeconds, ExportSeconds, PretrainRunSeconds, FineTuneRunSeconds, the checkpoint sizes, Device, Threads and Seconds, its own cost), DomainCorpus, ReferenceCorpus, TrainingRows and ValidationRows (what the sample found) and OutputPath.
'@
    }

    Notes       = @'
Continued pre-training and fine-tuning are different steps: the first goes on with the model's own self-supervised task (predicting masked words) on new unlabelled text, so that its picture of the language shifts towards your domain; the second trains a new head and the whole model on labelled examples of your task. Whether the first helps the second depends on how far your domain is from the model's original text (Gururangan et al. 2020 found +12 F1 on one task and nothing on another), so it is something to measure, which is what this command does.

An interval from three seeds is wide; a WithinNoise verdict means the study could not tell the strategies apart at this number of seeds, not that they are equal. More seeds narrow it.

Pre-training that is shared by the fine-tuning seeds makes the interval leave out pre-training's own noise; use -PretrainEachSeed when that matters.
'@

    Examples    = @(
        @{
            Title   = 'A small study: does domain pre-training help ticket routing?'
            Code    = @'
New-BertModel -Preset tiny -Seed 1 |
    Compare-BertAdaptation -DomainCorpus ./examples/data/runbooks.txt -DomainValidationCorpus ./examples/data/runbooks-heldout.txt `
        -TrainingData ./examples/data/tickets-train.csv -ValidationData ./examples/data/tickets-dev.csv -TextColumn summary -LabelColumn team `
        -Task SequenceClassification -Strategy FineTuneOnly, DomainMlm -Seeds 1, 2 -PretrainSteps 4 -PretrainBatchSize 4 -SequenceLength 32 `
        -PretrainLearningRate 1e-3 -MaxSteps 4 -MaxLength 32 -LearningRate 1e-3 -OutputPath ./out/study-tickets -WarningAction SilentlyContinue |
    Format-Table Strategy, MetricMean, MetricStdDev, Difference, DifferenceLow, DifferenceHigh, Verdict
'@
            Remarks = 'A miniature of a real study, small enough to run in seconds: a tiny new model, two strategies, two seeds (which warns that at least 3 are advised) and a handful of steps. The table shows each strategy''s mean score, its spread and the verdict against fine-tuning alone; ./out/study-tickets holds each run''s folder, runs.csv and study.json. A real study starts from a pre-trained checkpoint, keeps the default seeds and gives pre-training thousands of steps.'
        }
        @{
            Title   = 'Continue a study that stopped, and read every run'
            Code    = @'
$study = @{
    DomainCorpus = './examples/data/runbooks-heldout.txt'; TrainingData = './examples/data/tickets-train.csv'; ValidationData = './examples/data/tickets-dev.csv'
    TextColumn = 'summary'; LabelColumn = 'team'; Task = 'SequenceClassification'; Strategy = 'FineTuneOnly', 'TaskMlm'; Seeds = 1, 2, 3
    PretrainSteps = 2; PretrainBatchSize = 4; SequenceLength = 32; MaxSteps = 2; MaxLength = 32; OutputPath = './out/study-resume'
    AllowOverlap = $true
}
$model = New-BertModel -Preset tiny -Seed 1
$model | Compare-BertAdaptation @study | Out-Null
$model | Compare-BertAdaptation @study -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Select-Object -First 3
Import-Csv ./out/study-resume/runs.csv | Format-Table Kind, Folder, Seed, Steps, Score, DomainPerplexity
Compare-BertAdaptation -Collect ./out/study-resume | Format-Table Strategy, SeedCount, MetricMean, Verdict
'@
            Remarks = 'The second command finds every run finished (its verbose output says each run.json is read) and gives the same table without training again; after a kill it would go on with the first run that had not finished. runs.csv lists the base model''s perplexity, the pre-training run and the six fine-tuning runs. -Collect reads the folder alone, as another session would while the study runs. -AllowOverlap is there because the bundled tickets were generated from a few templates, so many validation summaries are also training summaries, which TaskMlm pre-trains on; without it the study stops with AdaptationCorpusOverlap before training. With your own data, leave it out.'
        }
        @{
            Title   = 'Run a study as parallel jobs, then collect it'
            Code    = @'
$study = @{
    DomainCorpus = './examples/data/runbooks.txt'; TrainingData = './examples/data/tickets-train.csv'; ValidationData = './examples/data/tickets-dev.csv'
    TextColumn = 'summary'; LabelColumn = 'team'; Task = 'SequenceClassification'; Strategy = 'FineTuneOnly', 'DomainMlm'; Seeds = 1, 2
    PretrainSteps = 2; PretrainBatchSize = 4; SequenceLength = 32; MaxSteps = 2; MaxLength = 32; OutputPath = './out/study-jobs'
    AllowOverlap = $true; WarningAction = 'SilentlyContinue'
}
New-BertModel -Preset tiny -Seed 1 | Compare-BertAdaptation @study -AsJobFiles ./out/study-jobs/jobs | Format-Table Wave, TaskIndex, Run, DependsOn
./examples/study/Start-StudyJobs.ps1 -JobFolder ./out/study-jobs/jobs -ThrottleLimit 2 | Format-Table Wave, Run, State
Compare-BertAdaptation -Collect ./out/study-jobs | Format-Table Strategy, SeedCount, MetricMean, Verdict
'@
            Remarks = 'The first command exports the base model, measures it, checks for leakage and writes five job files and index.csv into ./out/study-jobs/jobs, training nothing: the two FineTuneOnly runs and the DomainMlm pre-training in wave 1, and the two DomainMlm fine-tuning runs, which start from that pre-training, in wave 2. Start-StudyJobs.ps1 runs each wave''s jobs as parallel Start-Jobs (two at a time here) and the next wave once they have all succeeded; on a cluster, examples/study/submit-slurm.sh submits one job array per wave instead. -Collect reads the finished runs, as it would while jobs are still running on other machines.'
        }
        @{
            Title   = 'See what a study would run and how long it would take, before running it'
            Code    = @'
$study = @{
    DomainCorpus = './examples/data/runbooks.txt'; DomainValidationCorpus = './examples/data/runbooks-heldout.txt'
    TrainingData = './examples/data/tickets-train.csv'; ValidationData = './examples/data/tickets-dev.csv'
    TextColumn = 'summary'; LabelColumn = 'team'; Task = 'SequenceClassification'; Strategy = 'FineTuneOnly', 'DomainMlm'
    PretrainSteps = 20; PretrainBatchSize = 4; SequenceLength = 32; MaxLength = 32; PretrainLearningRate = 1e-3; LearningRate = 1e-3
    OutputPath = './out/study-plan'
}
$model = New-BertModel -Preset tiny -Seed 1
$model | Compare-BertAdaptation @study -WhatIf
$plan = $model | Compare-BertAdaptation @study -Plan -WarningAction SilentlyContinue
$plan
$plan.Runs | Format-Table
Test-Path ./out/study-plan
'@
            Remarks = '-WhatIf prints "What if:" and the plan: 8 runs (the base model, one pre-training run, and three seeds of fine-tuning for each of the two strategies), each with its steps, tokens and estimated time, and the totals with the disk the study will take. -Plan gives the same as an object to compute with: its totals, and its Runs (one row per run). Neither trains or writes anything: Test-Path shows that ./out/study-plan was not created. The times come from a calibration of a few seconds on this machine, so they are this machine''s times as the calibration found it: on a machine that other work keeps busy, they vary from one calibration to the next as the real runs would.'
        }
    )

    RelatedLinks = @('Invoke-MlmTraining', 'Invoke-FineTune', 'Measure-Perplexity', 'Invoke-BertJob')
}
