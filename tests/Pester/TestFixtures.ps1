# Small, learnable fixtures made in code: a WordPiece vocabulary and runbook-like text in
# which every service always pairs with one verb and one host.
$script:Services = 'nginx', 'postgres', 'redis', 'spooler', 'sshd', 'cron'
$script:Verbs = 'restart', 'stop', 'start', 'check', 'reload'
$script:Hosts = 'web01', 'web02', 'db01', 'cache01', 'files01'
$script:Words = 'the', 'on', 'service', 'host', 'then', 'logs', 'read', 'and', 'if', 'fails', 'page', 'oncall', '.'

function New-TinyVocabulary([string] $Path) {
    $tokens = [System.Collections.Generic.List[string]]::new()
    $tokens.AddRange([string[]]('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'))
    foreach ($t in ($script:Services + $script:Verbs + $script:Hosts + $script:Words | Select-Object -Unique)) { $tokens.Add($t) }
    foreach ($c in [char[]]'abcdefghijklmnopqrstuvwxyz0123456789') { $tokens.Add([string]$c) }
    foreach ($c in [char[]]'abcdefghijklmnopqrstuvwxyz0123456789') { $tokens.Add("##$c") }
    [IO.File]::WriteAllText($Path, ($tokens -join "`n") + "`n")
    $tokens.Count
}

function New-TinyCorpus([string] $Path, [int] $Documents, [int] $Seed) {
    $random = [Random]::new($Seed)
    $lines = foreach ($d in 1..$Documents) {
        foreach ($s in 1..4) {
            $i = $random.Next($script:Services.Count)
            "$($script:Verbs[$i % $script:Verbs.Count]) the $($script:Services[$i]) service on $($script:Hosts[$i % $script:Hosts.Count]) then read the $($script:Services[$i]) logs ."
        }
        ''
    }
    [IO.File]::WriteAllText($Path, ($lines -join "`n"))
}

# 24 labelled rows (text, label) of two teams, enough for one fine-tuning epoch on the tiny model.
function New-TinyLabelledRows {
    foreach ($i in 1..24) { [pscustomobject]@{ text = "restart the nginx service on web0$($i % 2 + 1)"; label = "team$($i % 2)" } }
}

# The shape of a 2-layer, 64-hidden BERT that trains in seconds.
function Get-TinyConfig([int] $VocabSize) {
    @{ vocab_size = $VocabSize; hidden_size = 64; num_hidden_layers = 2; num_attention_heads = 2; intermediate_size = 128; max_position_embeddings = 64 }
}

# A tiny model with a fresh head for $Task (SequenceClassification, ...), or none for an empty $Task.
function New-TinyHeadModel([string] $Vocabulary, [int] $VocabSize, [string] $Task, [string[]] $Labels, [int] $Seed = 1) {
    $model = New-BertModel -Config (Get-TinyConfig $VocabSize) -Vocabulary $Vocabulary -Seed $Seed
    if ($Task) { $model.AddTaskHead([BertAdapt.Engine.Data.FineTuning.FineTuneTask]$Task, $Labels, $Seed) }
    $model
}

# Writes 36 training and 12 validation rows (summary, team) in which the verb decides the team
# (restart, stop, check); returns the two paths.
function New-TinyTeamCsv([string] $Directory) {
    $rows = foreach ($i in 1..48) {
        $verb = 'restart', 'stop', 'check' | Select-Object -Index ($i % 3)
        [pscustomobject]@{ summary = "$verb the nginx service on web0$($i % 2)"; team = $verb }
    }
    $train = Join-Path $Directory 'team-train.csv'
    $dev = Join-Path $Directory 'team-dev.csv'
    $rows | Select-Object -First 36 | Export-Csv $train -NoTypeInformation
    $rows | Select-Object -Last 12 | Export-Csv $dev -NoTypeInformation
    $train, $dev
}

# The executable and leading arguments that start this same PowerShell: pwsh itself, or dotnet
# with pwsh.dll when it runs as the dotnet tool.
function Get-PwshLauncher {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { , @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    else { , @($process) }
}

# Runs a command in a fresh pwsh -NoProfile; returns its exit code and all its output.
function Invoke-ChildPwsh([string] $Command) {
    $launcher = Get-PwshLauncher
    $rest = @($launcher | Select-Object -Skip 1)
    $output = & $launcher[0] @rest -NoProfile -NonInteractive -Command $Command 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n").Trim() }
}

# Sections of a notices file, by package id: @{ Id = @{ Licence; Text = @(paths); Ships = @(names) } }.
function Read-Notice([string] $Path) {
    $sections = @{}
    foreach ($block in (Get-Content -Raw -LiteralPath $Path) -split "`n`n" | Select-Object -Skip 1) {
        $lines = $block.Trim() -split "`n"
        $id = ($lines[0] -split ' ')[0]
        $field = @{}
        foreach ($line in $lines | Select-Object -Skip 1) { if ($line -match '^\s+(\w+):\s+(.*)$') { $field[$Matches[1]] = $Matches[2] } }
        $sections[$id] = @{ Licence = $field.Licence; Copyright = $field.Copyright; Text = @($field.Text -split ', '); Ships = @($field.Ships -split ', ') }
    }
    $sections
}

# What a module bin folder's third-party notices miss: each file in Dependencies that is not
# BertAdapt's own and no section ships, and each licence text a section names that is not there.
function Get-NoticeProblem([string] $Bin) {
    $notice = Join-Path $Bin 'THIRD-PARTY-NOTICES.txt'
    if (-not (Test-Path -LiteralPath $notice)) { return "no $notice" }
    $sections = Read-Notice $notice
    $shipped = @($sections.Values | ForEach-Object { $_.Ships })
    foreach ($file in Get-ChildItem -LiteralPath (Join-Path $Bin 'Dependencies') -File) {
        if ($file.Name -notmatch '^(BertAdapt\..*|.*\.deps\.json)$' -and $shipped -notcontains $file.Name) { "$($file.Name) is in no section" }
    }
    foreach ($id in $sections.Keys) {
        foreach ($text in $sections[$id].Text) { if (-not (Test-Path -LiteralPath (Join-Path $Bin $text))) { "$id's $text is missing" } }
    }
}
