BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    $script:corpus = Join-Path $TestDrive 'corpus.txt'
    New-TinyCorpus $corpus -Documents 120 -Seed 1
    function script:New-TinyModel { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed 1 }

    # One short run with validation and checkpoints, shared by the tests below.
    $script:job = Join-Path $TestDrive 'job'
    $script:trained = New-TinyModel | Invoke-MlmTraining -Corpus $corpus -MaxSteps 30 -BatchSize 8 -SequenceLength 32 `
        -LearningRate 1e-3 -WarmupSteps 3 -ValidationSplit 0.1 -EvalEvery 5 -OutputPath $job

    $script:chromium = '/usr/bin/chromium'

    # System.Drawing is Windows-only: read the screenshot's pixels with zlib and the PNG filters.
    Add-Type -TypeDefinition @'
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;

public static class ReportTestPng
{
    public sealed record Picture(int Width, int Height, int DistinctColors, double NonBackgroundShare);

    public static Picture Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (!bytes.Take(8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 })) throw new InvalidDataException("not a PNG file");
        int width = 0, height = 0, depth = 0, type = 0, interlace = 0, pos = 8;
        var compressed = new MemoryStream();
        while (pos + 8 <= bytes.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos));
            string kind = Encoding.ASCII.GetString(bytes, pos + 4, 4);
            var data = bytes.AsSpan(pos + 8, length);
            if (kind == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data.Slice(4));
                (depth, type, interlace) = (data[8], data[9], data[12]);
            }
            else if (kind == "IDAT") compressed.Write(data);
            else if (kind == "IEND") break;
            pos += 12 + length;
        }
        if (depth != 8 || (type != 2 && type != 6) || interlace != 0) throw new InvalidDataException($"unexpected PNG format: depth {depth}, colour type {type}");
        int channels = type == 6 ? 4 : 3, stride = width * channels;
        compressed.Position = 0;
        var raw = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionMode.Decompress)) zlib.CopyTo(raw);
        var rows = raw.GetBuffer();
        if (raw.Length < (long)height * (stride + 1)) throw new InvalidDataException("truncated image data");
        var previous = new byte[stride];
        var current = new byte[stride];
        var counts = new Dictionary<int, int>();
        for (int y = 0; y < height; y++)
        {
            int start = y * (stride + 1), filter = rows[start];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? current[i - channels] : 0, b = previous[i], c = i >= channels ? previous[i - channels] : 0;
                int predictor = filter switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, 4 => Paeth(a, b, c), _ => throw new InvalidDataException($"bad filter {filter}") };
                current[i] = (byte)(rows[start + 1 + i] + predictor);
            }
            for (int x = 0; x < width; x++)
            {
                int colour = current[x * channels] << 16 | current[x * channels + 1] << 8 | current[x * channels + 2];
                counts[colour] = counts.GetValueOrDefault(colour) + 1;
            }
            (previous, current) = (current, previous);
        }
        return new Picture(width, height, counts.Count, 1 - (double)counts.Values.Max() / ((long)width * height));
    }

    static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
'@
}

Describe 'Export-BertTrainingReport' {
    It 'draws a model''s history as a self-contained page with loss, perplexity and learning-rate charts' {
        $path = Join-Path $TestDrive 'model.html'
        $trained | Export-BertTrainingReport -Path $path
        $html = Get-Content -Raw $path
        $html | Should -Not -Match 'https?://'
        $html | Should -Not -Match 'src\s*='
        $html | Should -Not -Match '<script|<link'
        ([regex]::Matches($html, '<svg')).Count | Should -BeGreaterOrEqual 3
        $html | Should -Match 'aria-label="Training loss"'
        $html | Should -Match 'aria-label="Validation perplexity"'
        $html | Should -Match 'aria-label="Learning rate"'
        $html | Should -Not -Match 'no validation was run'
        $html | Should -Match '<th scope="row">Parameters</th>'
        $html | Should -Match ([regex]::Escape([IO.Path]::GetFileName($corpus)))
    }

    It 'draws a job''s metrics file with the settings of its newest checkpoint, batch size included' {
        $path = Join-Path $TestDrive 'job.html'
        $file = Export-BertTrainingReport -Path $path -MetricsPath (Join-Path $job 'metrics.jsonl') -Title 'Tiny <run>' -PassThru
        $file | Should -BeOfType ([IO.FileInfo])
        $file.FullName | Should -Be $path
        $html = Get-Content -Raw $path
        $html | Should -Match '<th scope="row">Batch size</th><td>8</td>'
        $html | Should -Match '<th scope="row">Planned steps</th><td>30</td>'
        $html | Should -Match '<h1>Tiny &lt;run&gt;</h1>'
        $html | Should -Not -Match 'https?://'
        ([regex]::Matches($html, '<svg')).Count | Should -BeGreaterOrEqual 3
    }

    It 'takes a job directory for -MetricsPath' {
        $path = Join-Path $TestDrive 'from-directory.html'
        Export-BertTrainingReport $path -MetricsPath $job
        Get-Content -Raw $path | Should -Match 'Batch size'
    }

    It 'refuses to replace a report without -Force, and replaces it with -Force' {
        $path = Join-Path $TestDrive 'twice.html'
        Set-Content $path 'old'
        { $trained | Export-BertTrainingReport $path } | Should -Throw -ErrorId 'ReportExists,BertAdapt.PowerShell.Commands.ExportBertTrainingReportCommand'
        Get-Content -Raw $path | Should -Match '^old'
        $trained | Export-BertTrainingReport $path -Force
        Get-Content -Raw $path | Should -Match '<!DOCTYPE html>'
        Get-ChildItem -Force $TestDrive -Filter '.twice.html*' | Should -BeNullOrEmpty
    }

    It 'writes nothing with -WhatIf' {
        $path = Join-Path $TestDrive 'whatif.html'
        $out = $trained | Export-BertTrainingReport $path -PassThru -WhatIf
        $out | Should -BeNullOrEmpty
        $path | Should -Not -Exist
    }

    It 'fails with ReportNoMetrics for a model that was never trained' {
        $path = Join-Path $TestDrive 'untrained.html'
        $err = { New-TinyModel | Export-BertTrainingReport $path } | Should -Throw -ErrorId 'ReportNoMetrics,BertAdapt.PowerShell.Commands.ExportBertTrainingReportCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $path | Should -Not -Exist
    }

    It 'fails with ReportNoMetrics for an empty metrics file' {
        $empty = Join-Path $TestDrive 'empty.jsonl'
        Set-Content $empty ''
        { Export-BertTrainingReport (Join-Path $TestDrive 'empty.html') -MetricsPath $empty } |
            Should -Throw -ErrorId 'ReportNoMetrics,BertAdapt.PowerShell.Commands.ExportBertTrainingReportCommand'
    }

    It 'names the line of a malformed metrics record' {
        $bad = Join-Path $TestDrive 'bad.jsonl'
        Set-Content $bad -Value (Get-Content (Join-Path $job 'metrics.jsonl') -TotalCount 2), '{"step": 3, "loss": oops}'
        $err = { Export-BertTrainingReport (Join-Path $TestDrive 'bad.html') -MetricsPath $bad } |
            Should -Throw -ErrorId 'MetricsInvalid,BertAdapt.PowerShell.Commands.ExportBertTrainingReportCommand' -PassThru
        $err.Exception.Message | Should -Match 'Line 3 '
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'fails with MetricsFileNotFound for a missing metrics file' {
        { Export-BertTrainingReport (Join-Path $TestDrive 'none.html') -MetricsPath (Join-Path $TestDrive 'missing.jsonl') } |
            Should -Throw -ErrorId 'MetricsFileNotFound,BertAdapt.PowerShell.Commands.ExportBertTrainingReportCommand'
    }
}

Describe 'Export-BertTrainingReport on a fine-tuning run' {
    BeforeAll {
        $script:ftTrain, $script:ftDev = New-TinyTeamCsv $TestDrive
        $script:ftJob = Join-Path $TestDrive 'ft-job'
        $script:fineTuned = New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $ftTrain -ValidationData $ftDev `
            -TextColumn summary -LabelColumn team -Epochs 3 -LearningRate 1e-3 -OutputPath $ftJob
        $script:bestScore = ($fineTuned.Evaluations | Measure-Object Score -Maximum).Maximum
    }
    AfterAll { if ($fineTuned) { $fineTuned.Dispose() } }

    It 'shows the task metric of the model''s validation passes, not "no validation was run"' {
        $path = Join-Path $TestDrive 'fine-tune.html'
        $fineTuned | Export-BertTrainingReport -Path $path
        $html = Get-Content -Raw $path
        $html | Should -Not -Match 'no validation was run'
        $html | Should -Not -Match 'Validation perplexity'
        $html | Should -Match 'aria-label="Validation macro-F1"'
        $best = [regex]::Escape($bestScore.ToString('G4', [cultureinfo]::InvariantCulture))
        $html | Should -Match "<div class=""k"">Validation macro-F1</div><div class=""v"">$best</div><div class=""n"">best, at step \d+ \(3 evaluated\)</div>"
        $html | Should -Match '<th scope="row">Task</th><td>SequenceClassification</td>'
        $html | Should -Match '<th scope="row">Labels</th><td>check, restart, stop</td>'
        $baseline = [regex]::Escape($fineTuned.Evaluations[-1].BaselineScore.ToString('G4', [cultureinfo]::InvariantCulture))
        $html | Should -Match "<th scope=""row"">Baseline macro-F1</th><td>$baseline \(the majority class\)</td>"
        $html | Should -Not -Match '0 masked'
    }

    It 'shows the task metric from a fine-tuning job''s metrics file' {
        $path = Join-Path $TestDrive 'fine-tune-job.html'
        Export-BertTrainingReport -Path $path -MetricsPath $ftJob
        $html = Get-Content -Raw $path
        $html | Should -Not -Match 'no validation was run'
        $html | Should -Match 'aria-label="Validation macro-F1"'
        $html | Should -Match '<div class="k">Validation macro-F1</div>'
    }
}

Describe 'The report renders' {
    It 'shows as a full, non-blank 1280x2000 page in headless Chromium' {
        if (-not (Test-Path $chromium)) {
            Set-ItResult -Skipped -Because "$chromium is not installed (build/Install-TestDependencies.sh installs it)"
            return
        }
        $report = Join-Path $TestDrive 'render.html'
        Export-BertTrainingReport $report -MetricsPath $job
        $png = Join-Path $TestDrive 'render.png'
        $userData = New-Item -ItemType Directory (Join-Path $TestDrive "chromium-$([guid]::NewGuid().ToString('N'))")

        $start = [Diagnostics.ProcessStartInfo]::new($chromium)
        foreach ($argument in '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
            "--user-data-dir=$userData", '--window-size=1280,2000', "--screenshot=$png", [uri]::new($report).AbsoluteUri) {
            $start.ArgumentList.Add($argument)
        }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($start)
        $errors = $process.StandardError.ReadToEndAsync()
        $null = $process.StandardOutput.ReadToEndAsync()
        if (-not $process.WaitForExit(120000)) {
            $process.Kill($true)
            throw 'Chromium did not finish the screenshot within 2 minutes.'
        }
        $png | Should -Exist -Because "Chromium exited with $($process.ExitCode): $($errors.Result)"

        $picture = [ReportTestPng]::Read($png)
        $picture.Width | Should -Be 1280
        $picture.Height | Should -Be 2000
        # Text, four charts and a table: many colours (anti-aliasing) and plenty off the background.
        $picture.DistinctColors | Should -BeGreaterThan 200
        $picture.NonBackgroundShare | Should -BeGreaterThan 0.1
        Write-Host ("    screenshot: {0} colours, {1:P0} of the page off the background" -f $picture.DistinctColors, $picture.NonBackgroundShare)
    }
}
