// Two cores: one running system at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
