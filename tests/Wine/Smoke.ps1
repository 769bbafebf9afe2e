<#
.SYNOPSIS
The Windows smoke test's script: the same short job on the Linux module and, under Wine, on the
Windows one, so tests/Pester/Windows.Tests.ps1 can compare what they computed.

.DESCRIPTION
Imports the module, makes a tiny BERT (seeded), trains it for a few masked-LM steps, exports it,
imports the export, measures perplexity, fine-tunes one step of a classifier and classifies three
texts, then writes what it saw (losses, perplexity, scores, the module's files, timings) to
-ResultPath as JSON. On Windows it also checks two Windows behaviours: an export replacing a
checkpoint that another handle holds open, and a build emptying the module/bin of this very
session, whose DLLs are loaded. Everything it writes goes under -WorkDirectory.
#>
param(
    # A manifest path, or the name of an installed module.
    [Parameter(Mandatory)][string] $Module,
    [Parameter(Mandatory)][string] $WorkDirectory,
    [Parameter(Mandatory)][string] $ResultPath,
    # build/ModuleLayout.psm1, whose Clear-ModuleBin the Windows run tries on its own loaded module.
    [string] $ModuleLayout
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$result = [ordered]@{}
$clock = [Diagnostics.Stopwatch]::StartNew()
function Step([string] $Name) { $result["seconds_$Name"] = [math]::Round($clock.Elapsed.TotalSeconds, 2); $clock.Restart() }
function ListFiles([string] $Root) { @(Get-ChildItem -LiteralPath $Root -Recurse -Force -File | ForEach-Object { [IO.Path]::GetRelativePath($Root, $_.FullName) -replace '\\', '/' } | Sort-Object) }

try {
    . "$PSScriptRoot/../Pester/TestFixtures.ps1"
    Import-Module $Module
    $info = Get-Module BertAdapt
    $moduleFolder = Split-Path $info.Path
    $result.module = $info.Path
    $result.version = "$($info.Version)"
    $result.windows = [bool]$IsWindows
    $result.os = [Environment]::OSVersion.VersionString
    $result.waitPolicy = $env:OMP_WAIT_POLICY
    Step 'import'

    New-Item -ItemType Directory -Force $WorkDirectory | Out-Null
    $vocab = Join-Path $WorkDirectory 'vocab.txt'
    $size = New-TinyVocabulary $vocab
    $corpus = Join-Path $WorkDirectory 'corpus.txt'
    New-TinyCorpus $corpus -Documents 12 -Seed 1
    $heldout = Join-Path $WorkDirectory 'heldout.txt'
    New-TinyCorpus $heldout -Documents 8 -Seed 2
    $compute = @{ Threads = 2; Device = 'Cpu' }

    $model = New-BertModel -Config (Get-TinyConfig $size) -Vocabulary $vocab -Seed 7
    $metrics = Join-Path $WorkDirectory 'metrics.jsonl'
    $model | Invoke-MlmTraining -Corpus $corpus -MaxSteps 4 -BatchSize 4 -SequenceLength 32 -LearningRate 1e-3 -Seed 7 -MetricsPath $metrics @compute | Out-Null
    $result.mlmLosses = @($model.History.Loss)
    $lines = @(Get-Content $metrics | ConvertFrom-Json)
    $result.metricsDevice = @($lines.device | Select-Object -Unique)
    $result.metricsThreads = @($lines.threads | Select-Object -Unique)
    Step 'train'

    $exported = Join-Path $WorkDirectory 'mlm'
    $model | Export-Checkpoint $exported
    $imported = Import-BertCheckpoint $exported
    $perplexity = $imported | Measure-Perplexity -Corpus $heldout -SequenceLength 32 -Seed 3 @compute
    $result.perplexity = $perplexity.Perplexity
    $result.perplexityLoss = $perplexity.Loss
    $result.maskedTokens = $perplexity.MaskedTokens
    Step 'export_import_perplexity'

    # Tickets routed by the service they name: one fine-tuning step, then three texts classified.
    $teams = @{ nginx = 'web'; postgres = 'data'; redis = 'data'; spooler = 'desktop'; sshd = 'web'; cron = 'desktop' }
    $rows = foreach ($i in 0..23) {
        $service = @($teams.Keys | Sort-Object)[$i % 6]
        [pscustomobject]@{ text = "restart the $service service on web0$($i % 3) then read the logs"; label = $teams[$service] }
    }
    $training = Join-Path $WorkDirectory 'tickets.csv'
    $rows | Export-Csv -LiteralPath $training -NoTypeInformation
    $classifier = $imported | Invoke-FineTune -Task SequenceClassification -TrainingData $training -MaxSteps 1 -BatchSize 8 -MaxLength 32 -LearningRate 1e-3 -Seed 7 @compute
    $result.fineTuneLosses = @($classifier.History | Select-Object -Last 1 | ForEach-Object Loss)
    $texts = 'check the redis service on cache01', 'stop the spooler service', 'reload the nginx service on web02'
    $result.classified = @($texts | Invoke-BertClassifier -Model $classifier @compute | ForEach-Object {
            [ordered]@{ text = $_.Text; label = $_.Label; score = $_.Score; scores = @($_.GetScores().Score) }
        })
    # The same texts on ONNX Runtime (-Runtime OnnxRuntime): its native library must load from the module's folder.
    $result.classifiedOnnx = @($texts | Invoke-BertClassifier -Model $classifier -Runtime OnnxRuntime @compute | ForEach-Object { @($_.GetScores().Score) })
    $classifier | Export-Checkpoint (Join-Path $WorkDirectory 'classifier')
    Step 'fine_tune_classify'

    $result.moduleFiles = ListFiles $moduleFolder

    if ($IsWindows) {
        # Another process reading a checkpoint (a scanner, another session) holds its files open.
        # Windows then refuses to delete them, so replacing the checkpoint has to wait for it.
        $replaced = Join-Path $WorkDirectory 'replaced'
        $imported | Export-Checkpoint $replaced
        $weights = Join-Path $replaced 'model.safetensors'
        $held = [IO.File]::Open($weights, 'Open', 'Read', 'Read')
        $probe = try { [IO.File]::Delete($weights); 'deleted' } catch { "refused: $($_.Exception.Message)" }
        $result.heldFileDelete = $probe
        $release = [Threading.CancellationTokenSource]::new()
        $null = $release.Token.Register([Action]$held.Dispose)
        $release.CancelAfter(1000)
        $watch = [Diagnostics.Stopwatch]::StartNew()
        try { $imported | Export-Checkpoint $replaced -Force; $result.replaceWhileHeld = 'replaced' }
        catch { $result.replaceWhileHeld = "failed: $($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
        $result.replaceSeconds = [math]::Round($watch.Elapsed.TotalSeconds, 2)
        $result.replaceLeftovers = @(Get-ChildItem -LiteralPath $WorkDirectory -Force -Directory -Filter '.replaced*' | ForEach-Object Name)
        Step 'replace_while_held'
    }

    if ($ModuleLayout) {
        # A build while this session has the module loaded: its DLLs cannot be deleted, only moved.
        Import-Module $ModuleLayout
        $bin = Join-Path $moduleFolder 'module/bin'
        $torch = Join-Path $bin 'Dependencies/torch_cpu.dll'
        $result.loadedDllDelete = try { [IO.File]::Delete($torch); 'deleted' } catch { "refused: $($_.Exception.Message)" }
        $stale = Join-Path $WorkDirectory 'stale-module-bin'
        try { Clear-ModuleBin -Path $bin -StaleRoot $stale 6>$null; $result.clearModuleBin = 'cleared' }
        catch { $result.clearModuleBin = "failed: $($_.Exception.Message)" }
        $result.binFilesAfterClear = @(Get-ChildItem -LiteralPath $bin -Recurse -File -Force -ErrorAction Ignore).Count
        $result.movedAside = @(if (Test-Path $stale) { Get-ChildItem -LiteralPath $stale -Recurse -File | ForEach-Object Name })
        Step 'clear_loaded_module_bin'
    }
    $result.completed = $true
} catch {
    $result.completed = $false
    $result.error = "$($_.FullyQualifiedErrorId): $($_.Exception.Message)"
    $result.errorAt = "$($_.InvocationInfo.PositionMessage)"
} finally {
    $result | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $ResultPath -Encoding utf8NoBOM
}
