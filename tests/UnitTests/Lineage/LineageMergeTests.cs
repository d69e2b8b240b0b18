using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Lineage;
using CsCheck;

namespace ConnectorHealth.UnitTests.Lineage;

/// <summary>A run merged from its OpenLineage events is the same whatever order the events came in.</summary>
public sealed class LineageMergeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid RunId = Guid.Parse("0190c4a6-4c5f-7d3e-9f1a-2b3c4d5e6f70");

    private static LineageEvent Event(LineageEventType type, int second, long? rows = null, string? column = null, string? error = null, int? tryNumber = null)
    {
        var json = Encoding.UTF8.GetBytes($"{type}/{second}/{rows}/{column}/{error}/{tryNumber}");
        IReadOnlyList<DatasetField>? schema = column is null ? null : [new DatasetField("id", "integer"), new DatasetField(column, "text")];
        return new LineageEvent
        {
            RunId = RunId,
            Type = type,
            EventTime = T0.AddSeconds(second),
            Producer = $"https://github.com/OpenLineage/OpenLineage/tree/1.{second}.0/integration/dbt",
            JobNamespace = "dbt",
            JobName = "shop.orders",
            Connector = LineageNames.Connector("dbt", "shop.orders"),
            Json = json,
            Hash = SHA256.HashData(json),
            ErrorMessage = error,
            TryNumber = tryNumber,
            Outputs = [new DatasetFacts("postgres://db:5432", "shop.public.orders", LineageNames.Dataset("postgres://db:5432", "shop.public.orders"),
                schema, rows, null, null)],
        };
    }

    private static readonly Gen<LineageEvent> Events = Gen.Select(
        Gen.Enum<LineageEventType>(), Gen.Int[0, 20], Gen.Long[0, 1000].Nullable(),
        Gen.OneOf(Gen.Const((string?)null), Gen.Const((string?)"amount"), Gen.Const((string?)"total")),
        Gen.OneOf(Gen.Const((string?)null), Gen.Const((string?)"boom")), Gen.Int[1, 4].Nullable())
        .Select((type, second, rows, column, error, tries) => Event(type, second, rows, column, error, tries));

    private static string Merged(IEnumerable<LineageEvent> events)
    {
        LineageRunState? state = null;
        foreach (var e in events)
        {
            state = state is null ? LineageRunState.From(e) : state.Merge(e);
        }
        return JsonSerializer.Serialize(state!.HasEnded ? (object)state.Completed() : state.InProgress());
    }

    [Fact]
    public void WhateverTheOrderOfARunsEventsTheMergedRunIsTheSame()
    {
        Events.List[1, 8].Select(list => list.DistinctBy(e => Convert.ToHexString(e.Hash)).ToList())
            .SelectMany(list => Gen.Shuffle(list.ToArray()).Select(shuffled => (list, shuffled)))
            .Sample(pair => Assert.Equal(Merged(pair.list), Merged(pair.shuffled)), iter: 5_000);
    }

    [Fact]
    public void StartThenCompleteIsASucceededRunFromStartToComplete()
    {
        var run = LineageRunState.From(Event(LineageEventType.Start, 0)).Merge(Event(LineageEventType.Complete, 42, rows: 10)).Completed();
        Assert.Equal((RunStatus.Succeeded, T0, T0.AddSeconds(42), 42_000d), (run.Status, run.StartedAt, run.FinishedAt, run.LatencyMs));
        Assert.Equal(10, run.Lineage!.Outputs.Single().RowCount);
        Assert.Empty(RunDefinition.Problems(run));
    }

    [Fact]
    public void CompleteBeforeStartIsTheSameRunOnceTheStartComes()
    {
        var inOrder = LineageRunState.From(Event(LineageEventType.Start, 0)).Merge(Event(LineageEventType.Complete, 42)).Completed();
        var reversed = LineageRunState.From(Event(LineageEventType.Complete, 42)).Merge(Event(LineageEventType.Start, 0)).Completed();
        Assert.Equal(JsonSerializer.Serialize(inOrder), JsonSerializer.Serialize(reversed));
    }

    [Fact]
    public void FailIsAFailedRunWithTheErrorMessageAndAbortIsAborted()
    {
        var failed = LineageRunState.From(Event(LineageEventType.Start, 0)).Merge(Event(LineageEventType.Fail, 5, error: "relation does not exist")).Completed();
        Assert.Equal((RunStatus.Failed, "fail", "relation does not exist"), (failed.Status, failed.ErrorType, failed.ErrorMessage));
        var aborted = LineageRunState.From(Event(LineageEventType.Start, 0)).Merge(Event(LineageEventType.Abort, 5)).Completed();
        Assert.Equal((RunStatus.Aborted, "abort", null), (aborted.Status, aborted.ErrorType, aborted.ErrorMessage));
    }

    [Fact]
    public void AnAirflowTryNumberMakesThatManyAttemptsTheLastOneThisRun()
    {
        var run = LineageRunState.From(Event(LineageEventType.Start, 0, tryNumber: 3)).Merge(Event(LineageEventType.Complete, 9)).Completed();
        Assert.Equal([1, 2, 3], run.Attempts.Select(a => a.Number));
        Assert.Equal(AttemptOutcome.Succeeded, run.Attempts[^1].Outcome);
        Assert.Empty(RunDefinition.Problems(run));
    }

    [Fact]
    public void ADatasetsSchemaIsTheNewestEventsThatSentOneAndAnEventWithoutOneLeavesIt()
    {
        var state = LineageRunState.From(Event(LineageEventType.Start, 0, column: "amount"))
            .Merge(Event(LineageEventType.Running, 5))
            .Merge(Event(LineageEventType.Complete, 9, rows: 3));
        var output = state.Completed().Lineage!.Outputs.Single();
        Assert.Equal(["id", "amount"], output.Schema!.Select(f => f.Name));
        Assert.Equal(3, output.RowCount);
    }

    [Fact]
    public void ANominalTimesIntervalIsTheRunsExpectedIntervalSoFreshnessJudgesIt()
    {
        var daily = Event(LineageEventType.Start, 0) with { Nominal = new NominalTimes(T0.AddDays(-1), T0) };
        var run = LineageRunState.From(daily).Merge(Event(LineageEventType.Complete, 60)).Completed();
        Assert.Equal(TimeSpan.FromDays(1), run.ExpectedInterval);
        Assert.Equal(T0.AddDays(-1), run.Lineage!.NominalStartTime);

        var startOnly = Event(LineageEventType.Start, 0) with { Nominal = new NominalTimes(T0, null) };
        Assert.Null(LineageRunState.From(startOnly).Merge(Event(LineageEventType.Complete, 60)).Completed().ExpectedInterval);
        var instant = Event(LineageEventType.Start, 0) with { Nominal = new NominalTimes(T0, T0) };
        Assert.Null(LineageRunState.From(instant).Merge(Event(LineageEventType.Complete, 60)).Completed().ExpectedInterval);
    }
}
