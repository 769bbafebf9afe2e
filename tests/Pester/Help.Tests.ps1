#Requires -Version 7.4
# Checks the help of every exported cmdlet as Get-Help shows it (that is, the MAML that
# build/New-ModuleHelp.ps1 generates from module/help), and that the module's format views render.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    $cmdlets = @(Get-Command -Module BertAdapt -CommandType Cmdlet | Sort-Object Name | ForEach-Object {
            @{
                Name       = $_.Name
                Parameters = @($_.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
            }
        })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force

    $script:exported = @(Get-Command -Module BertAdapt -CommandType Cmdlet | ForEach-Object Name)
    $script:moduleVerbs = @(Get-Command -Module BertAdapt -CommandType Cmdlet | ForEach-Object Verb | Select-Object -Unique)
    $script:moduleNouns = @(Get-Command -Module BertAdapt -CommandType Cmdlet | ForEach-Object Noun | Select-Object -Unique)

    # Text of a help node: a string, or objects with a Text property (paragraphs).
    function Get-HelpText {
        param($Node)
        (@($Node) | ForEach-Object { if ($_ -is [string]) { $_ } elseif ($null -ne $_) { $_.Text } }) -join "`n"
    }

    # Problems with one example's code: parse errors, calls of module-like commands that the
    # module does not export, other commands that do not exist, and unknown parameters of the
    # module's cmdlets.
    function Test-ExampleCode {
        param([string] $Code)
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$tokens, [ref]$errors)
        foreach ($e in $errors) { "parse error: $($e.Message)" }
        $calls = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)
        foreach ($call in $calls) {
            $name = $call.GetCommandName()
            if ($name -notmatch '^(?<verb>[A-Za-z]+)-(?<noun>[A-Za-z0-9]+)$') { continue }
            $verb = $Matches.verb; $noun = $Matches.noun
            $looksLikeModule = $noun -in $moduleNouns -or $noun -match 'Bert|Mlm|Perplexity|Checkpoint'
            if ($name -in $exported) {
                $command = Get-Command $name
                $known = @($command.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases })
                foreach ($element in $call.CommandElements) {
                    if ($element -is [System.Management.Automation.Language.CommandParameterAst] -and $element.ParameterName -notin $known) {
                        "$name has no parameter -$($element.ParameterName)"
                    }
                }
            } elseif ($looksLikeModule) {
                "$name is not exported by BertAdapt"
            } elseif ($verb -in $moduleVerbs -and -not (Get-Command $name -ErrorAction Ignore)) {
                "$name does not exist"
            }
        }
    }
}

Describe 'The help of <Name>' -ForEach $cmdlets {
    BeforeAll {
        $full = Get-Help $Name -Full
        $examples = Get-Help $Name -Examples
    }

    It 'has a written synopsis, not the generated syntax' {
        $synopsis = "$($full.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -Match "^$([regex]::Escape($Name))(\s|$)"
        $synopsis | Should -Not -Match 'CommonParameters'
    }

    It 'has a description' {
        Get-HelpText $full.description | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example, each with code and remarks' {
        $all = @($full.examples.example)
        $all.Count | Should -BeGreaterThan 0
        foreach ($example in $all) {
            "$($example.code)".Trim() | Should -Not -BeNullOrEmpty
            (Get-HelpText $example.remarks).Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'shows examples with Get-Help -Examples' {
        @($examples.examples.example).Count | Should -BeGreaterThan 0
        "$(@($examples.examples.example)[0].code)".Trim() | Should -Not -BeNullOrEmpty
    }

    It 'describes -<_>' -ForEach $Parameters {
        $parameter = @($full.parameters.parameter) | Where-Object name -EQ $_
        $parameter | Should -Not -BeNullOrEmpty -Because "Get-Help should list -$_"
        (Get-HelpText $parameter.description).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has example code that calls only existing commands and parameters' {
        @($full.examples.example).Count | Should -BeGreaterThan 0
        $problems = @(foreach ($example in @($full.examples.example)) {
                foreach ($problem in Test-ExampleCode "$($example.code)") { "$($example.title): $problem" }
            })
        $problems | Should -BeNullOrEmpty
    }
}

Describe 'Format views' {
    BeforeAll {
        $words = 'the', 'service', 'server', 'restart', 'check', 'log', 'disk', 'space', 'ticket', 'open', 'close',
        'run', 'status', 'host', 'port', 'certificate', 'renew', 'team', 'call', 'stop', 'start', 'read', 'write',
        'file', 'error', 'warning', 'time', 'name', 'user', 'network', 'and', 'a', 'with', 'on', 'then', 'is', '.', ','
        $vocabulary = Join-Path $TestDrive 'vocab.txt'
        Set-Content -LiteralPath $vocabulary -Value (@('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]') + $words) -Encoding utf8NoBOM
        $corpus = Join-Path $TestDrive 'corpus.txt'
        $lines = foreach ($i in 0..39) {
            "open a ticket and check the service on the host $($words[$i % $words.Count]) ."
            "restart the server , then read the log and close the ticket ."
            ''
        }
        Set-Content -LiteralPath $corpus -Value $lines -Encoding utf8NoBOM
        $model = New-BertModel -Preset tiny -Vocabulary $vocabulary
    }

    AfterAll {
        if ($model) { $model.Dispose() }
    }

    It 'shows a model as a table with StepsTrained and Parameters' {
        $text = $model | Out-String
        $text | Should -Match 'StepsTrained'
        $text | Should -Match 'Parameters'
        $text | Should -Match 'tiny'
        $text | Should -Match ([regex]::Escape($model.ParameterCount.ToString('N0')))
    }

    It 'shows a model as a list with its shape, source and load report' {
        $text = $model | Format-List | Out-String
        foreach ($label in 'Shape', 'Source', 'TrainedOn', 'LoadReport') { $text | Should -Match "$label\s*:" }
        $text | Should -Match ([regex]::Escape($model.Shape))
    }

    It 'shows a perplexity result as a table' {
        $result = $model | Measure-Perplexity -Corpus $corpus -SequenceLength 32
        $text = $result | Out-String
        foreach ($label in 'Perplexity', 'Loss', 'Tokens', 'MaskedTokens', 'Sequences') { $text | Should -Match $label }
        $text | Should -Match ([regex]::Escape($result.Perplexity.ToString('F2')))
    }
}

Describe 'Help that agrees with the code' {
    BeforeAll {
        function Get-ParameterHelp([string] $Command, [string] $Parameter) {
            Get-HelpText (@((Get-Help $Command -Full).parameters.parameter) | Where-Object name -EQ $Parameter).description
        }
    }

    # The training loop runs -GradientAccumulation batches of -BatchSize per optimizer step, and an
    # epoch is ceil(ceil(examples / BatchSize) / GradientAccumulation) steps (TrainingLoop.PlannedSteps).
    It '-BatchSize of <_> says a step is BatchSize x GradientAccumulation and how an epoch is counted' -ForEach 'Invoke-MlmTraining', 'Invoke-FineTune' {
        $text = Get-ParameterHelp $_ 'BatchSize'
        $text | Should -Match 'one forward and backward pass'
        $text | Should -Match 'BatchSize x GradientAccumulation'
        $text | Should -Match 'divided by BatchSize, rounded up, then divided by GradientAccumulation, rounded up'
        $text | Should -Not -Match 'in one optimizer step\.'
    }

    It 'does not say that training runs on the CPU only' {
        $text = Get-Help Invoke-MlmTraining -Full | Out-String
        $text | Should -Not -Match 'Training runs on the CPU'
        $text | Should -Match '-Device'
    }

    It '-Threads of <_>, which writes no metrics file, mentions none' -ForEach 'Measure-Perplexity', 'Get-BertEmbedding', 'Invoke-BertClassifier', 'Invoke-BertFillMask', 'Invoke-BertTokenClassifier' {
        (Get-Command $_).Parameters.ContainsKey('MetricsPath') | Should -BeFalse
        Get-ParameterHelp $_ 'Threads' | Should -Not -Match 'metrics'
    }
}
