#requires -Version 7.0
<#
.SYNOPSIS
    Generates the small data files that the cmdlets' help examples (Get-Help <cmdlet> -Examples) use.

.DESCRIPTION
    Writes, next to this script:
    - runbook-entities-train.conll, runbook-entities-dev.conll: runbook sentences in CoNLL style
      (one word and its BIO tag per line, a blank line between sentences) with SERVICE, HOST and
      TEAM entities, for Invoke-FineTune -Task TokenClassification.
    - incident-topics.jsonl: incident summaries, each with a JSON array of topics (network,
      disk, security, database), for -Task MultiLabelClassification.
    - ticket-pairs.tsv: pairs of ticket summaries with a similarity from 0 to 5, for
      -Task Regression with -TextPairColumn.
    - probes.txt: fill-mask probes, one per line; the last line has no [MASK] on purpose.
    The text comes from hand-written templates; every random choice comes from a System.Random
    with a fixed seed, so a rerun writes byte-identical files (UTF-8 without BOM, LF endings).

.EXAMPLE
    dotnet pwsh -NoProfile -File examples/data/New-HelpExampleData.ps1
#>
[CmdletBinding()]
param(
    [int] $Seed = 20261202,
    [string] $OutDirectory = $PSScriptRoot
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$rng = [Random]::new($Seed)
function Pick([object[]] $Items) { $Items[$rng.Next($Items.Count)] }
function Write-Lines([string] $Name, [string[]] $Lines) {
    [IO.File]::WriteAllText((Join-Path $OutDirectory $Name), ($Lines -join "`n") + "`n", [Text.UTF8Encoding]::new($false))
}

$services = 'nginx', 'postgres', 'redis', 'sshd', 'haproxy', 'chrony', 'rabbitmq'
$hosts = 'web01', 'web02', 'db01', 'db02', 'cache01', 'lb01', 'mq01'
$teams = @('web', 'team'), @('database', 'team'), @('network', 'team'), @('platform', 'team')
# Each template is a list of words; {service}, {host} and {team} are the entity slots.
$templates = @(
    'restart {service} on {host} and check the logs'
    'if {service} fails on {host} page the {team}'
    'check that {service} is running on {host}'
    'stop {service} on {host} before the patch'
    'read the {service} logs on {host} then tell the {team}'
    'the {team} owns {service} on {host}'
    'reload {service} on {host} after the change'
    'log in to {host} and restart {service}'
)

function New-TaggedSentence {
    $words = [Collections.Generic.List[string]]::new()
    foreach ($slot in ((Pick $templates) -split ' ')) {
        switch ($slot) {
            '{service}' { $words.Add("$(Pick $services) B-SERVICE") }
            '{host}' { $words.Add("$(Pick $hosts) B-HOST") }
            '{team}' { $team = Pick $teams; $words.Add("$($team[0]) B-TEAM"); $words.Add("$($team[1]) I-TEAM") }
            default { $words.Add("$slot O") }
        }
    }
    $words.Add('. O')
    ($words -join "`n") + "`n"
}
Write-Lines 'runbook-entities-train.conll' (@(1..80 | ForEach-Object { New-TaggedSentence }) -join "`n").TrimEnd("`n")
Write-Lines 'runbook-entities-dev.conll' (@(1..20 | ForEach-Object { New-TaggedSentence }) -join "`n").TrimEnd("`n")

$topicPhrases = [ordered]@{
    network  = 'packet loss on the uplink', 'DNS lookups time out', 'the VPN drops every few minutes', 'the firewall blocks port 443'
    disk     = 'the disk is full', 'the volume is read-only', 'RAID reports a degraded array', 'inode usage is at 100 percent'
    security = 'a login from an unknown country', 'an expired TLS certificate', 'repeated failed sudo attempts', 'malware found in a download'
    database = 'replication lag keeps growing', 'deadlocks in the orders table', 'the connection pool is exhausted', 'a slow query blocks writes'
}
$topicNames = @($topicPhrases.Keys)
$incidents = foreach ($i in 1..60) {
    $count = 1 + $rng.Next(2)
    $chosen = @($topicNames | Sort-Object { $rng.Next() } | Select-Object -First $count | Sort-Object)
    $text = "On $(Pick $hosts) " + (@($chosen | ForEach-Object { Pick $topicPhrases[$_] }) -join ' and ')
    [ordered]@{ text = $text; topics = $chosen } | ConvertTo-Json -Compress
}
Write-Lines 'incident-topics.jsonl' $incidents

$problems = 'cannot log in', 'the disk is full', 'the printer jams', 'the VPN drops', 'the site is slow', 'mail bounces'
$rewordings = @{
    'cannot log in'   = 'login fails', 'the password is refused'
    'the disk is full' = 'no space left on the volume', 'the drive has run out of space'
    'the printer jams' = 'paper is stuck in the printer', 'the printer stops with a jam'
    'the VPN drops'   = 'the tunnel disconnects', 'the VPN keeps disconnecting'
    'the site is slow' = 'pages take ages to load', 'the web site responds slowly'
    'mail bounces'    = 'email comes back undelivered', 'messages are rejected by the mail server'
}
$pairs = @("text`tpair`tsimilarity")
foreach ($i in 1..60) {
    $problem = Pick $problems
    $hostName = Pick $hosts
    switch ($rng.Next(3)) {
        0 { $pair = "on ${hostName} $(Pick $rewordings[$problem])"; $score = 4 + $rng.Next(2) }
        1 { $pair = "on $(Pick $hosts) $(Pick $rewordings[$problem])"; $score = 3 }
        default { $other = Pick @($problems | Where-Object { $_ -ne $problem }); $pair = "on ${hostName} $other"; $score = $rng.Next(2) }
    }
    $pairs += "on ${hostName} ${problem}`t${pair}`t${score}"
}
Write-Lines 'ticket-pairs.tsv' $pairs

Write-Lines 'probes.txt' @(
    'restart the [MASK] service on the web server'
    'read the [MASK] logs before you restart it'
    'if the check fails, hand the case to the [MASK] team'
    'renew the certificate and reload nginx'
)
