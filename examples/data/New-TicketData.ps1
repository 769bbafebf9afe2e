#requires -Version 7.0
<#
.SYNOPSIS
    Generates the synthetic help-desk tickets used by the BertAdapt fine-tuning example.

.DESCRIPTION
    Writes tickets-train.csv, tickets-dev.csv and tickets-new.txt: short ticket summaries, each
    labelled with the team that handles it (network, database, storage, identity, printing).
    Summaries are built from hand-written templates with slots. Some wording is shared between
    teams ("slow", "cannot reach", "after the patch"), and one ticket in twelve carries the
    label of a plausible neighbouring team, as real routing mistakes do, so the task is
    learnable but not trivial. Every random choice comes from a System.Random seeded with a
    fixed value, so a rerun writes byte-identical files (UTF-8 without BOM, LF endings).

.EXAMPLE
    dotnet pwsh -NoProfile -File examples/data/New-TicketData.ps1
#>
[CmdletBinding()]
param(
    [int] $Seed = 20261127,
    [int] $TrainCount = 600,
    [int] $DevCount = 200,
    [int] $NewCount = 12,
    [string] $OutDirectory = $PSScriptRoot
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$rng = [Random]::new($Seed)
function Pick([object[]] $Items) { $Items[$rng.Next($Items.Count)] }

$hosts = 'web01', 'web02', 'app03', 'db01', 'db02', 'files01', 'print02', 'dc01', 'vpn01', 'mail01'
$users = 'the finance team', 'a contractor', 'the night shift', 'two developers', 'the CEO''s assistant', 'everyone on floor 3', 'a new hire', 'the support desk'
$when = 'since this morning', 'after the patch last night', 'every few minutes', 'intermittently', 'since the reboot', 'again today', 'for an hour', ''
$templates = [ordered]@{
    network  = @(
        '{user} cannot reach {host} over the VPN {when}'
        'packet loss between the office and {host} {when}'
        'DNS lookups for {host} time out {when}'
        'the firewall blocks port 443 to {host}'
        'Wi-Fi drops for {user} {when}'
        'slow network to {host} {when}, latency above 300 ms'
        'switch port flapping near {host} {when}'
    )
    database = @(
        'queries on {host} are slow {when}'
        'replication lag on {host} keeps growing {when}'
        'deadlocks in the orders table on {host}'
        'the nightly backup of {host} failed'
        'connection pool exhausted on {host} {when}'
        '{user} cannot log in to the reporting database on {host}'
        'transaction log on {host} is almost full'
    )
    storage  = @(
        'disk full on {host} {when}'
        'the shared drive is read-only for {user}'
        'file share on {host} is slow {when}'
        'snapshot of {host} did not complete'
        'quota exceeded for {user} on {host}'
        'RAID controller on {host} reports a degraded array'
        'cannot restore a deleted folder for {user}'
    )
    identity = @(
        '{user} is locked out {when}'
        'password reset emails never arrive for {user}'
        'MFA prompts fail for {user} {when}'
        'new account needed for {user}'
        'group membership for {user} is missing after the patch'
        'certificate for single sign-on expires next week'
        '{user} cannot log in to {host} {when}'
    )
    printing = @(
        'print queue on {host} is stuck {when}'
        'the printer on floor 3 prints blank pages'
        '{user} cannot print to the colour printer {when}'
        'scanner on {host} emails nothing'
        'toner low warning on every printer {when}'
        'print jobs from {user} vanish {when}'
        'label printer on {host} is offline'
    )
}
$teams = @($templates.Keys)
$neighbour = @{ network = 'identity'; database = 'storage'; storage = 'database'; identity = 'network'; printing = 'network' }

function New-Ticket {
    $team = Pick $teams
    $text = (Pick $templates[$team]) -replace '\{host\}', (Pick $hosts) -replace '\{user\}', (Pick $users) -replace '\{when\}', (Pick $when)
    $text = ($text -replace '\s+', ' ').Trim()
    $text = $text.Substring(0, 1).ToUpperInvariant() + $text.Substring(1)
    if ($rng.Next(12) -eq 0) { $team = $neighbour[$team] }
    [pscustomobject]@{ summary = $text; team = $team }
}

function Write-Utf8([string] $Path, [string[]] $Lines) {
    [IO.File]::WriteAllText($Path, ($Lines -join "`n") + "`n", [Text.UTF8Encoding]::new($false))
}
function ConvertTo-CsvLines($Rows) { @('summary,team') + @($Rows | ForEach-Object { '"{0}",{1}' -f ($_.summary -replace '"', '""'), $_.team }) }

# A summary's words, lower-cased, without punctuation; and its runs of 8 words (the whole of a
# shorter one). Validation and new tickets share no run with a training ticket, so the validation
# score measures tickets the model has not seen, and Test-BertCorpusOverlap finds no leak.
function Get-Words([string] $Text) { @(($Text.ToLowerInvariant() -replace '[^\p{L}\p{N}]+', ' ').Trim() -split ' ') }
function Get-Runs([string] $Text) {
    $words = Get-Words $Text
    $n = [Math]::Min(8, $words.Count)
    for ($i = 0; $i + $n -le $words.Count; $i++) { $words[$i..($i + $n - 1)] -join ' ' }
}
function New-UnseenTicket([Collections.Generic.HashSet[string]] $Seen, [string[]] $SeenTexts) {
    while ($true) {
        $ticket = New-Ticket
        $words = Get-Words $ticket.summary
        if (@(Get-Runs $ticket.summary | Where-Object { $Seen.Contains($_) })) { continue }
        # A summary shorter than a run must not sit inside a longer training summary either.
        if ($words.Count -lt 8 -and @($SeenTexts | Where-Object { $_.Contains(" $($words -join ' ') ") })) { continue }
        return $ticket
    }
}

$train = @(1..$TrainCount | ForEach-Object { New-Ticket })
$seen = [Collections.Generic.HashSet[string]]::new()
foreach ($ticket in $train) { foreach ($run in Get-Runs $ticket.summary) { [void]$seen.Add($run) } }
$seenTexts = @($train | ForEach-Object { " $((Get-Words $_.summary) -join ' ') " })
Write-Utf8 (Join-Path $OutDirectory 'tickets-train.csv') (ConvertTo-CsvLines $train)
Write-Utf8 (Join-Path $OutDirectory 'tickets-dev.csv') (ConvertTo-CsvLines (1..$DevCount | ForEach-Object { New-UnseenTicket $seen $seenTexts }))
Write-Utf8 (Join-Path $OutDirectory 'tickets-new.txt') @(1..$NewCount | ForEach-Object { (New-UnseenTicket $seen $seenTexts).summary })
