#requires -Version 7.0
<#
.SYNOPSIS
    Shows that reading a corpus through the token cache keeps peak memory flat as the corpus grows.

.DESCRIPTION
    Generates a synthetic runbook-like corpus of -BaselineMB and of -SizeMB in a temporary
    directory, with a small vocabulary to match. For each size, a fresh process
    (bench/CorpusStreaming) builds the token cache, reads every packed example, reopens the
    cache to show reuse, and reports its peak working set. Both peaks are printed side by side
    with their ratio: streaming means the ratio stays near 1 while the corpus grows tenfold.

.EXAMPLE
    cd /work/main && dotnet pwsh -NoProfile -File bench/Measure-CorpusStreaming.ps1 -SizeMB 1024
#>
[CmdletBinding()]
param(
    [int]    $SizeMB = 1024,
    [int]    $BaselineMB = 100,
    [int]    $SequenceLength = 128,
    [string] $WorkDirectory = (Join-Path ([IO.Path]::GetTempPath()) 'bertadapt-corpus-bench'),
    [switch] $Keep
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText' # a table that reads the same in a log file

# Sentence templates with slots; {0} service, {1} host, {2} number, {3} team, {4} path.
$templates = @(
    'Runbook: the {0} service is not responding on {1}'
    'Open a ticket in the incident queue and write down its number, INC-{2}, before you touch {1}.'
    'From the jump host, connect to {1} with Enter-PSSession -ComputerName {1}.corp.example.com.'
    'Run Get-Service -Name {0} and confirm that it returns Running.'
    'Read the last {2} lines of {4} and note any error or warning.'
    'If the {0} service is stuck, restart it with Restart-Service -Name {0}.'
    'Check free disk space on {1} with Get-PSDrive C and clean the temp folder when less than {2} MB is left.'
    'Write the commands you ran and their output into ticket CHG-{2}.'
    'Rollback: if things get worse, stop, undo the last step, and ask {3} for a second pair of eyes.'
    'Escalation: for suspected data loss, call the incident manager at once and page {3}.'
    'Watch {1} for {2} minutes and make sure the alert does not come back.'
    'Renew the TLS certificate of {0} on {1} when fewer than {2} days are left.'
    'Do not restart {0} more than 3 times in one hour; after that, hand the case to {3}.'
)
$services = 'W32Time', 'nginx', 'postgres', 'redis', 'Spooler', 'sshd', 'cron', 'IIS', 'DNS', 'DHCP', 'WinRM', 'kafka'
$hosts = 'DC-SGP-09', 'web-par-01', 'db-ams-03', 'cache-fra-02', 'files-nyc-07', 'ns-ams-07', 'iis-par-09', 'mq-lon-04'
$teams = '#identity-ops', 'the database team', 'the network team', 'the on-call engineer', '#platform-ops'
$paths = '/var/log/syslog', 'C:\Logs\app.log', '/var/log/nginx/error.log', '/var/lib/pgsql/data/log/postgresql.log'

function New-Vocabulary([string] $Path) {
    $words = [Collections.Generic.SortedSet[string]]::new([StringComparer]::Ordinal)
    foreach ($text in $templates + $services + $hosts + $teams + $paths) {
        foreach ($w in ($text.ToLowerInvariant() -split '[^a-z0-9]+')) { if ($w) { [void]$words.Add($w) } }
    }
    $tokens = [Collections.Generic.List[string]]::new()
    $tokens.AddRange([string[]]@('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'))
    foreach ($c in [char[]]'.,:;-/\#{}()!?''"') { $tokens.Add([string]$c) }
    foreach ($c in [char[]]'abcdefghijklmnopqrstuvwxyz0123456789') { $tokens.Add([string]$c); $tokens.Add("##$c") }
    foreach ($w in $words) { if (-not $tokens.Contains($w)) { $tokens.Add($w) } }
    [IO.File]::WriteAllText($Path, ($tokens -join "`n") + "`n")
}

# Distinct blocks of about 1 MB each; the corpus is these blocks in a seeded order, each behind a
# numbered title line, so the file is varied enough and written at disk speed.
function New-Blocks([int] $Count, [int] $Seed) {
    $random = [Random]::new($Seed)
    $utf8 = [Text.UTF8Encoding]::new($false)
    foreach ($b in 1..$Count) {
        $text = [Text.StringBuilder]::new(1.1MB)
        while ($text.Length -lt 1MB) {
            foreach ($l in 1..$random.Next(6, 14)) {
                $template = $templates[$random.Next($templates.Count)]
                [void]$text.AppendFormat($template, $services[$random.Next($services.Count)], $hosts[$random.Next($hosts.Count)],
                    $random.Next(10, 99999), $teams[$random.Next($teams.Count)], $paths[$random.Next($paths.Count)]).Append("`n")
            }
            [void]$text.Append("`n")
        }
        , $utf8.GetBytes($text.ToString())
    }
}

function New-Corpus([string] $Path, [long] $Bytes, [object[]] $Blocks) {
    $random = [Random]::new(17)
    $stream = [IO.File]::Create($Path)
    try {
        for ($n = 0; $stream.Length -lt $Bytes; $n++) {
            $title = [Text.Encoding]::UTF8.GetBytes("Runbook batch $n for $($hosts[$n % $hosts.Count])`n")
            $stream.Write($title, 0, $title.Length)
            $block = $Blocks[$random.Next($Blocks.Count)]
            $stream.Write($block, 0, $block.Length)
        }
    }
    finally { $stream.Dispose() }
}

$project = Join-Path $PSScriptRoot 'CorpusStreaming/CorpusStreaming.csproj'
Write-Host "Building the driver ..."
dotnet build $project -c Release --nologo -v quiet | Out-Host
if ($LASTEXITCODE -ne 0) { throw "Building $project failed." }
$driver = Get-ChildItem -Recurse -File -Filter CorpusStreaming.dll (Join-Path $PSScriptRoot 'CorpusStreaming/bin/Release') |
    Sort-Object LastWriteTime | Select-Object -Last 1

$null = New-Item -ItemType Directory -Force -Path $WorkDirectory
$vocabulary = Join-Path $WorkDirectory 'vocab.txt'
New-Vocabulary $vocabulary
$blocks = @(New-Blocks -Count 24 -Seed 20261126)

$results = foreach ($megabytes in $BaselineMB, $SizeMB) {
    $corpus = Join-Path $WorkDirectory "runbooks-$megabytes.txt"
    $cache = Join-Path $WorkDirectory "cache-$megabytes"
    Remove-Item -Recurse -Force -ErrorAction Ignore $cache
    $generate = [Diagnostics.Stopwatch]::StartNew()
    New-Corpus $corpus ([long]$megabytes * 1MB) $blocks
    Write-Host ("Generated {0} MB in {1:N1} s; tokenizing and packing in a fresh process ..." -f $megabytes, $generate.Elapsed.TotalSeconds)
    $line = dotnet $driver.FullName $corpus $vocabulary $cache $SequenceLength
    if ($LASTEXITCODE -ne 0) { throw "The driver failed on $corpus." }
    $run = $line | Select-Object -Last 1 | ConvertFrom-Json
    [pscustomobject]@{
        CorpusMB    = [math]::Round($run.corpusBytes / 1MB)
        ShardMB     = [math]::Round($run.shardBytes / 1MB)
        Tokens      = $run.tokens
        Windows     = $run.windows
        BuildSec    = $run.buildSeconds
        IterateSec  = $run.iterateSeconds
        ReopenSec   = $run.reopenSeconds
        RandomGetUs = $run.randomGetMicroseconds
        PeakRssMB   = [math]::Round($run.peakWorkingSetBytes / 1MB, 1)
        GcHeapMB    = [math]::Round($run.gcHeapBytes / 1MB, 1)
    }
    if (-not $Keep) { Remove-Item -Force $corpus; Remove-Item -Recurse -Force $cache }
}

$results | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
$ratio = $results[1].PeakRssMB / $results[0].PeakRssMB
'Peak working set: {0} MB at {1} MB of corpus, {2} MB at {3} MB of corpus: ratio {4:N2} for {5:N1}x the corpus.' -f `
    $results[0].PeakRssMB, $results[0].CorpusMB, $results[1].PeakRssMB, $results[1].CorpusMB, $ratio, ($results[1].CorpusMB / $results[0].CorpusMB)
if (-not $Keep) { Remove-Item -Recurse -Force -ErrorAction Ignore $WorkDirectory }
