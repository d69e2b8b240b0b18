using System.Diagnostics;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.Rollups;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.IntegrationTests.Metrics;

[Collection(PostgresCollection.Name)]
public sealed class RunCompletedConsumerTests(PostgresServer postgres)
{
    private const string PublisherName = "ConnectorHealth.IntegrationTests.Publisher";
    private static readonly ActivitySource Publisher = new(PublisherName);

    [Fact]
    public async Task BatchesFromTheBusStoreEachRunOnceWithItsOwnTrace()
    {
        var now = new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
        await using var db = await MetricsDatabase.CreateAsync(postgres, now);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "MassTransit" or PublisherName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var provider = new ServiceCollection()
            .AddSingleton(db.Writer)
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddSingleton<BatchIsolation>()
            .AddMassTransitTestHarness(bus => bus.AddConsumer<RunCompletedConsumer, BatchConsumerDefinition<RunCompletedConsumer>>())
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        var runs = new TestRuns(21).Many(400, ["crm", "billing", "ads"], now.AddDays(-2), now);
        var traces = new Dictionary<Guid, ActivityContext>();
        foreach (var run in runs)
        {
            using var activity = Publisher.StartActivity($"run {run.Connector}")!;
            traces[run.RunId] = activity.Context;
            await harness.Bus.Publish(run);
        }
        // Redelivered in the same trace, as a broker redelivery would be.
        foreach (var run in runs.Take(100))
        {
            using var activity = Publisher.StartActivity("redeliver", ActivityKind.Producer, traces[run.RunId])!;
            await harness.Bus.Publish(run);
        }

        await Poll.UntilAsync(async () => await db.CountAsync("SELECT count(*) FROM metrics.runs") == runs.Count,
            $"all {runs.Count} runs stored", TimeSpan.FromSeconds(60));
        await harness.InactivityTask;

        Assert.Equal(runs.Count, await db.CountAsync("SELECT count(*) FROM metrics.runs"));
        Assert.Equal(runs.Count, await db.CountAsync("SELECT sum(total) FROM metrics.rollup_hourly"));
        var stored = await db.RowsAsync("SELECT run_id, trace_id FROM metrics.runs");
        Assert.All(stored, row => Assert.Equal(traces[(Guid)row[0]!].TraceId.ToHexString(), (string?)row[1]));
        Assert.False(await harness.Published.Any<Fault<RunCompleted>>());
    }
}
