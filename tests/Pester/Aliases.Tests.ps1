# The design card's names stay; the names a user guesses by the module's Bert prefix work too.
BeforeDiscovery {
    $script:aliases = @(
        @{ Alias = 'Export-BertCheckpoint'; Cmdlet = 'Export-Checkpoint' }
        @{ Alias = 'Invoke-BertMlmTraining'; Cmdlet = 'Invoke-MlmTraining' }
        @{ Alias = 'Invoke-BertFineTune'; Cmdlet = 'Invoke-FineTune' }
        @{ Alias = 'Measure-BertPerplexity'; Cmdlet = 'Measure-Perplexity' }
    )
}

BeforeAll {
    $script:manifest = Join-Path $PSScriptRoot '../../BertAdapt.psd1'
    Import-Module $manifest -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
}

Describe 'Bert-prefixed aliases' {
    It '<Alias> is an alias of <Cmdlet>, exported by the module' -ForEach $aliases {
        $command = Get-Command $Alias
        $command.CommandType | Should -Be 'Alias'
        $command.ResolvedCommand.Name | Should -Be $Cmdlet
        $command.Source | Should -Be 'BertAdapt'
        (Get-Module BertAdapt).ExportedAliases.Keys | Should -Contain $Alias
    }

    It 'are listed in the manifest, so a fresh session finds them by module auto-loading' {
        (Import-PowerShellDataFile $manifest).AliasesToExport | Sort-Object | Should -Be ($aliases.Alias | Sort-Object)
    }

    It 'work in a pipeline in a fresh session' {
        $vocab = Join-Path $TestDrive 'vocab.txt'
        $size = New-TinyVocabulary $vocab
        $corpus = Join-Path $TestDrive 'corpus.txt'
        New-TinyCorpus $corpus -Documents 8 -Seed 1
        $out = Join-Path $TestDrive 'out/aliased'
        $config = (Get-TinyConfig $size).GetEnumerator() | ForEach-Object { "$($_.Key) = $($_.Value)" }
        $child = Invoke-ChildPwsh ("Import-Module '$manifest'; `$m = New-BertModel -Config @{ $($config -join '; ') } -Vocabulary '$vocab'; " +
            "`$m | Invoke-BertMlmTraining -Corpus '$corpus' -MaxSteps 1 -SequenceLength 32 | Export-BertCheckpoint '$out' -PassThru | Measure-BertPerplexity -Corpus '$corpus' -SequenceLength 32 | ForEach-Object Sequences")
        $child.ExitCode | Should -Be 0 -Because $child.Output
        [int]$child.Output | Should -BeGreaterThan 0
        Join-Path $out 'config.json' | Should -Exist
    }

    It 'show the help of the cmdlet' {
        (Get-Help Export-BertCheckpoint).Name | Should -Be 'Export-Checkpoint'
    }
}
