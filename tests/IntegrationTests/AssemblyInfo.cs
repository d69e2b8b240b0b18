// Two cores and real servers: one test class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
