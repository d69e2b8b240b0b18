using System.Diagnostics;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Detection;
using ConnectorHealth.IntegrationTests.Infrastructure;
using static ConnectorHealth.IntegrationTests.Drift.DatasetLineage;

namespace ConnectorHealth.IntegrationTests.Drift;

/// <summary>OpenLineage datasets' schema histories from their schema facets, on real PostgreSQL, through the drift processor.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DatasetHistoryTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ADroppedColumnIsABreakingDriftEventOnTheDatasetAndANewVersion()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        var orders = Dataset("analytics.orders", Orders);
        var first = Completed("orders_model", Start, [orders]);
        Assert.Empty((await processor.ProcessAsync([first], CancellationToken.None)).ToPublish);

        var dropped = Dataset("analytics.orders", Orders.Where(f => f.Name != "status").ToArray());
        var second = Completed("orders_model", Start.AddHours(1), [dropped]);
        var published = Assert.Single((await processor.ProcessAsync([second], CancellationToken.None)).ToPublish);

        Assert.Equal(new DriftDataset(orders.Key, orders.Namespace, orders.Name), published.Dataset);
        Assert.Equal(second.Connector, published.Connector);
        Assert.Equal(second.RunId, published.RunId);
        Assert.Equal((1, 2, DriftKind.NewVersion, true), (published.FromVersion, published.ToVersion, published.Kind, published.Breaking));
        var change = Assert.Single(published.Changes);
        Assert.Equal(("$.status", SchemaChangeKind.FieldRemoved, true), (change.Path, change.Kind, change.Breaking));

        var schema = (await db.Store.GetSchemaAsync(orders.Key, CancellationToken.None))!;
        Assert.Equal(2, schema.CurrentVersion);
        Assert.Equal([5, 4], schema.Versions.Select(v => v.FieldCount));
        var events = await db.Store.ListEventsAsync(null, null, null, 50, null, CancellationToken.None, dataset: orders.Key);
        Assert.Equal(orders.Key, Assert.Single(events.Items).Dataset!.Key);
        // The job's own (payload) history is not touched, and the connectors' list holds no dataset.
        Assert.DoesNotContain((await db.Store.ListSchemasAsync(CancellationToken.None)).Items, item => item.Connector.Contains('~'));
    }

    [Fact]
    public async Task WideningClearingAndNoSchemaAreTold()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        var key = Dataset("analytics.orders", null).Key;
        await processor.ProcessAsync([Completed("orders_model", Start, [Dataset("analytics.orders", Orders)])], CancellationToken.None);

        var widened = Orders.Select(f => f.Name == "amount" ? f with { Type = "DECIMAL(12,2)" } : f).ToArray();
        var widening = Assert.Single((await processor.ProcessAsync(
            [Completed("orders_model", Start.AddHours(1), [Dataset("analytics.orders", widened)])], CancellationToken.None)).ToPublish);
        var change = Assert.Single(widening.Changes);
        Assert.Equal(("$.amount", SchemaChangeKind.TypeWidened, "integer", "number"), (change.Path, change.Kind, change.Before, change.After));
        Assert.True(widening.Breaking); // forward, the default: old readers of integers get fractions

        // No schema facet: nothing observed, the schema stays.
        var noSchema = await processor.ProcessAsync([Completed("orders_model", Start.AddHours(2), [Dataset("analytics.orders", null)])],
            CancellationToken.None);
        Assert.Empty(noSchema.ToPublish);
        var schema = (await db.Store.GetSchemaAsync(key, CancellationToken.None))!;
        Assert.Equal((2, 2L), (schema.CurrentVersion, schema.Versions.Sum(v => v.RunCount)));

        // An empty facet clears it: a version with no fields.
        var cleared = Assert.Single((await processor.ProcessAsync(
            [Completed("orders_model", Start.AddHours(3), [Dataset("analytics.orders", [])])], CancellationToken.None)).ToPublish);
        Assert.Equal((2, 3), (cleared.FromVersion, cleared.ToVersion));
        Assert.Equal(Orders.Length, cleared.Changes.Count(c => c.Kind == SchemaChangeKind.FieldRemoved));
        schema = (await db.Store.GetSchemaAsync(key, CancellationToken.None))!;
        Assert.Equal((3, 0), (schema.CurrentVersion, schema.Versions[^1].FieldCount));
    }

    [Fact]
    public async Task ARunSeenInProgressThenCompletedAndRedeliveredOnTwoReplicasMakesOneVersionAndOneEvent()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        DriftProcessor[] replicas = [db.Processor(), db.Processor()];
        var random = new Random(11);
        var key = Dataset("events.clicks", null).Key;
        var v1 = new DatasetField[] { new("id", "STRING"), new("at", "TIMESTAMP") };
        var v2 = new DatasetField[] { new("id", "STRING"), new("at", "TIMESTAMP"), new("page", "STRING") };

        // Each run: its progress (the schema on START), its completion with the same schema, each delivered twice, shuffled,
        // in batches of random sizes (each batch one message type, as a consumer receives them).
        var deliveries = new List<object>();
        var runs = new List<(Guid RunId, DateTimeOffset At, DatasetField[] Schema)>();
        for (var i = 0; i < 30; i++)
        {
            var schema = i < 15 ? v1 : v2;
            var at = Start.AddMinutes(10 * i);
            var runId = Guid.CreateVersion7();
            runs.Add((runId, at, schema));
            var progress = InProgress("clicks_stream", runId, at.AddMinutes(-1), [Dataset("events.clicks", schema)]);
            var completed = Completed("clicks_stream", at, [Dataset("events.clicks", schema)], runId);
            deliveries.AddRange([progress, completed, progress, completed]);
        }
        var shuffled = deliveries.OrderBy(_ => random.Next()).ToList();
        var batches = new List<Func<DriftProcessor, Task<ProcessResult>>>();
        for (var at = 0; at < shuffled.Count;)
        {
            var size = Math.Min(random.Next(1, 6), shuffled.Count - at);
            var batch = shuffled.GetRange(at, size);
            at += size;
            var completions = batch.OfType<RunCompleted>().ToList();
            var progresses = batch.OfType<RunInProgress>().ToList();
            if (completions.Count > 0)
            {
                batches.Add(p => p.ProcessAsync(completions, CancellationToken.None));
            }
            if (progresses.Count > 0)
            {
                batches.Add(p => p.ProcessAsync(progresses, CancellationToken.None));
            }
        }
        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(async r =>
        {
            var mine = new List<ProcessResult>();
            for (var i = r; i < batches.Count; i += 2)
            {
                mine.Add(await batches[i](replicas[r]));
            }
            return mine;
        }));

        var schemaHistory = (await db.Store.GetSchemaAsync(key, CancellationToken.None))!;
        Assert.Equal([1, 2], schemaHistory.Versions.Select(v => v.Version).Order());
        Assert.Equal(runs.Count, schemaHistory.Versions.Sum(v => v.RunCount));
        Assert.Equal(runs.Count, (await db.RowsAsync("SELECT run_id FROM drift.runs WHERE connector = $1", key)).Count);
        var events = (await db.Store.ListEventsAsync(null, null, null, 50, null, CancellationToken.None, dataset: key)).Items;
        // The change sits at the first run with the new column, by each run's own time; its version is v2 by content.
        var firstOfV2 = runs.Where(r => r.Schema == v2).MinBy(r => r.At);
        var lastOfV1 = runs.Where(r => r.Schema == v1).MaxBy(r => r.At);
        Assert.True(events.Count >= 1);
        var change = events.Single(e => e.Changes.Any(c => c.Path == "$.page" && c.Kind == SchemaChangeKind.FieldAdded));
        Assert.Equal(firstOfV2.RunId, change.RunId);
        Assert.All(events, e => Assert.NotEqual(lastOfV1.RunId, e.RunId));
        // Each run's dataset counted once (its other three deliveries change nothing; the job's own ledger takes each
        // completion once too), and the change told at most once whatever the order (a change first seen out of order is history corrected).
        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(runs.Count, all.Sum(r => r.Versioned));
        Assert.Equal(runs.Count, all.Sum(r => r.WithoutPayload));
        Assert.True(all.SelectMany(r => r.ToPublish).Count(m => m.Changes.Any(c => c.Path == "$.page")) <= 1);
    }

    [Fact]
    public async Task NestedFieldsAreVersionedAtTheirPaths()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        DatasetField[] Schema(string cityType) =>
        [
            new("id", "BIGINT"),
            new("customer", "STRUCT", [new("name", "STRING"), new("address", "STRUCT", [new("city", cityType), new("zip", "STRING")])]),
            new("lines", "ARRAY<STRUCT<sku: STRING>>", [new("sku", "STRING"), new("qty", "INT")]),
        ];
        await processor.ProcessAsync([Completed("customers", Start, [Dataset("crm.customers", Schema("STRING"))])], CancellationToken.None);
        var published = Assert.Single((await processor.ProcessAsync(
            [Completed("customers", Start.AddHours(1), [Dataset("crm.customers", Schema("INT"))])], CancellationToken.None)).ToPublish);
        var change = Assert.Single(published.Changes);
        Assert.Equal(("$.customer.address.city", SchemaChangeKind.TypeChanged), (change.Path, change.Kind));

        var version = (await db.Store.GetVersionAsync(Dataset("crm.customers", null).Key, 2, CancellationToken.None))!;
        Assert.Equal(
            ["$.customer", "$.customer.address", "$.customer.address.city", "$.customer.address.zip", "$.customer.name", "$.id", "$.lines",
                "$.lines[]", "$.lines[].qty", "$.lines[].sku"],
            version.Fields.Select(f => f.Path));
        Assert.Equal(["customer", "id", "lines"], version.TopLevelKeys);
    }

    [Fact]
    public async Task AHostileSchemaStaysWithinBudget()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        // 32 levels of structs, then wide levels: 10,000 fields in all (the lineage limits), names and types of 2,000 characters.
        IReadOnlyList<DatasetField> Deep(int level, int width) => level == LineageDefinition.MaxSchemaDepth - 1
            ? Enumerable.Range(0, width).Select(i => new DatasetField($"leaf_{i}", i % 2 == 0 ? "VARCHAR(" + new string('9', 1_990) + ")" : new string('x', 2_000))).ToArray()
            : [new DatasetField($"level_{level}", "STRUCT", Deep(level + 1, width))];
        var wide = LineageDefinition.MaxSchemaFields - (LineageDefinition.MaxSchemaDepth - 1);
        var hostile = Deep(0, wide);
        var run = Completed("hostile", Start, [Dataset("evil.table", hostile)]);
        Assert.Empty(RunDefinition.Problems(run));

        var clock = Stopwatch.StartNew();
        await processor.ProcessAsync([run], CancellationToken.None);
        var result = await processor.ProcessAsync([Completed("hostile", Start.AddHours(1), [Dataset("evil.table", Deep(0, wide - 1))])],
            CancellationToken.None);
        clock.Stop();

        var schema = (await db.Store.GetSchemaAsync(Dataset("evil.table", null).Key, CancellationToken.None))!;
        Assert.Equal(LineageDefinition.MaxSchemaFields, schema.Versions[0].FieldCount);
        Assert.Equal(SchemaChangeKind.FieldRemoved, Assert.Single(Assert.Single(result.ToPublish).Changes).Kind);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"Two hostile schemas took {clock.Elapsed}.");

        // Names of 2,000 characters at every level: paths past Drift:Inference:MaxPathLength are left out, the version is partial.
        IReadOnlyList<DatasetField> LongNames(int level) => level == LineageDefinition.MaxSchemaDepth - 1
            ? Enumerable.Range(0, 100).Select(i => new DatasetField(new string('n', 1_990) + i, "INT")).ToArray()
            : [new DatasetField(new string('s', 1_990) + level, "STRUCT", LongNames(level + 1)), new DatasetField($"c{level}", "INT")];
        var longRun = Completed("hostile", Start.AddHours(2), [Dataset("evil.names", LongNames(0))]);
        Assert.Empty(RunDefinition.Problems(longRun));
        clock.Restart();
        await processor.ProcessAsync([longRun], CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"A schema of long names took {clock.Elapsed}.");
        var version = (await db.Store.GetVersionAsync(Dataset("evil.names", null).Key, 1, CancellationToken.None))!;
        Assert.True(version.Partial);
        Assert.Equal(["path-length"], version.LimitsHit);
        Assert.All(version.Fields, f => Assert.True(f.Path.Length <= db.Options.Inference.MaxPathLength));
        Assert.Contains(version.Fields, f => f.Path == "$.c0");
    }

    [Fact]
    public async Task ADatasetContractQuarantinesASchemaThatBreaksItUntilReplayed()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        var key = Dataset("analytics.orders", null).Key;
        await processor.ProcessAsync([Completed("orders_model", Start, [Dataset("analytics.orders", Orders)])], CancellationToken.None);
        using var contract = System.Text.Json.JsonDocument.Parse(
            """{"type":"object","required":["order_id","status"],"properties":{"order_id":{"type":"integer"}}}""");
        await db.Contracts.PutContractAsync(key, ConnectorHealth.Drift.PayloadContracts.ContractPolicy.Quarantine, contract.RootElement,
            CancellationToken.None);

        var dropped = Completed("orders_model", Start.AddHours(1), [Dataset("analytics.orders", Orders.Where(f => f.Name != "status").ToArray())]);
        var held = Assert.Single((await processor.ProcessAsync([dropped], CancellationToken.None)).ToPublish);
        Assert.Equal((DriftKind.ContractViolation, DriftAction.Quarantined, key), (held.Kind, held.Action, held.Dataset!.Key));
        Assert.Single((await db.Store.GetSchemaAsync(key, CancellationToken.None))!.Versions);

        await db.Contracts.DeleteContractAsync(key, CancellationToken.None);
        var quarantineId = (Guid)(await db.RowsAsync("SELECT quarantine_id FROM drift.quarantine WHERE connector = $1", key))[0][0]!;
        var replay = await processor.ReplayAsync(quarantineId, CancellationToken.None);
        Assert.Equal((ReplayStatus.Released, 2), (replay.Status, replay.Version));
        Assert.Equal(key, Assert.Single(replay.ToPublish).Dataset!.Key);
    }
}
