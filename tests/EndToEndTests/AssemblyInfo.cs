// Two lanes, on two cores: the tests of the shared system, and beside them the tests that start systems of their own
// (OwnSystemsCollection), one class at a time. Each lane mostly waits on its system, so together they take about as long
// as the longer lane, not the sum.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 2)]
