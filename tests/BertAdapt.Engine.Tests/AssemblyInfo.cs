// libtorch's random generator is process-wide (dropout, seeding), so tests that compare runs
// exactly must not interleave with others: run test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
