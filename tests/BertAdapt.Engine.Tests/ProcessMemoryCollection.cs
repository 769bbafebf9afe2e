namespace BertAdapt.Engine.Tests;

/// <summary>
/// Tests that bound a figure of the whole process (its working set) and so must not share it:
/// xunit runs this collection by itself, once the parallel collections are done.
/// </summary>
[CollectionDefinition(nameof(ProcessMemoryCollection), DisableParallelization = true)]
public sealed class ProcessMemoryCollection;
