# The engine's libraries load in their own AssemblyLoadContext, so a module that brought another
# version of a shared library (powershell-yaml ships YamlDotNet 11) cannot break BertAdapt.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $packages = ((dotnet nuget locals global-packages --list | Select-Object -First 1) -replace '^global-packages:\s*', '').Trim()
    $script:oldYaml = Get-ChildItem (Join-Path $packages 'yamldotnet/11.2.1/lib') -Recurse -Filter YamlDotNet.dll |
        Where-Object FullName -Match 'netstandard2' | Select-Object -First 1
    $script:manifest = Join-Path $PSScriptRoot '../../BertAdapt.psd1'
    $vocab = Join-Path $TestDrive 'vocab.txt'
    $size = New-TinyVocabulary $vocab
    New-TinyCorpus (Join-Path $TestDrive 'corpus.txt') -Documents 10 -Seed 1
    $script:job = Join-Path $TestDrive 'job.yaml'
    @"
model:
  config: { vocab_size: $size, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 128, max_position_embeddings: 64 }
  vocabulary: ./vocab.txt
training:
  corpus: ./corpus.txt
  maxSteps: 2
  sequenceLength: 32
"@ | Set-Content $job
}

Describe 'Dependency isolation' {
    It 'runs a YAML job when an older YamlDotNet is already loaded in the session, and the session''s YamlDotNet still works after it' {
        $oldYaml | Should -Not -BeNullOrEmpty -Because 'the build restores YamlDotNet 11.2.1 for this test'
        $result = Invoke-ChildPwsh @"
`$old = Add-Type -Path '$($oldYaml.FullName)' -PassThru | Select-Object -First 1
Import-Module '$manifest' -ErrorAction Stop
`$m = Invoke-BertJob -Path '$job' -ErrorAction Stop | Where-Object { `$_ -is [BertAdapt.BertModel] }
`$engineYaml = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'BertAdapt' | ForEach-Object Assemblies | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' }
"session=`$(`$old.Assembly.GetName().Version) engine=`$(`$engineYaml.GetName().Version) steps=`$(`$m.StepsTrained)"
# The session's own YamlDotNet still works after the job: its deserializer (taken from the old assembly, not by type name,
# which both versions answer to) reads a document, and it is the version the session loaded, in the default context.
`$builder = [Activator]::CreateInstance(`$old.Assembly.GetType('YamlDotNet.Serialization.DeserializerBuilder', `$true))
`$deserializer = `$builder.Build()
`$read = `$deserializer.Deserialize("service: nginx``nreplicas: 3``n", [System.Collections.Generic.Dictionary[string, string]])
`$context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$deserializer.GetType().Assembly).Name
"old=`$(`$deserializer.GetType().Assembly.GetName().Version) context=`$context service=`$(`$read['service']) replicas=`$(`$read['replicas'])"
"@
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -Match 'session=11\.0\.0\.0 engine=18\.\d+\.\d+\.\d+ steps=2'
        $result.Output | Should -Match 'old=11\.0\.0\.0 context=Default service=nginx replicas=3'
    }

    It 'keeps TorchSharp out of the default load context, while engine type names still resolve' {
        $result = Invoke-ChildPwsh @"
Import-Module '$manifest' -ErrorAction Stop
`$m = New-BertModel -Preset tiny
`$torchSharp = `$m.GetModule().GetType().BaseType.Assembly
`$contexts = `$m.GetType().Assembly, `$torchSharp | ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name }
"contexts=`$(`$contexts -join ',') torchsharp=`$(`$torchSharp.GetName().Name) literal=`$(`$m -is [BertAdapt.BertModel])"
"@
        $result.Output | Should -Match 'contexts=Default,BertAdapt torchsharp=TorchSharp literal=True'
    }
}
