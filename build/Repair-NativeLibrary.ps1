# Called by Directory.Build.targets after libLibTorchSharp.so is copied into an output folder.
param([Parameter(Mandatory)][string] $Path)
$ErrorActionPreference = "Stop"
Import-Module (Join-Path $PSScriptRoot 'ElfVersionNeeds.psm1')
Repair-LibTorchSharpVersionNeed -Path $Path | ForEach-Object { "BertAdapt: marked $($_.Version) weak in $($_.Path)" }
