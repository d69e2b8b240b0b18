using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Runner;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.IntegrationTests.Runner.OpenLineage;

/// <summary>
/// OpenLineage events, shaped as Airflow, dbt-ol, Spark and Flink send them, through the real Runner service (real
/// PostgreSQL and RabbitMQ): each becomes a run it publishes, in any order and sent any number of times, or a 4xx naming
/// what is wrong.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class LineageIntakeTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private readonly Published _published = new();
    private readonly OpenLineageEvents _events = new();
    private ServiceHost<RunnerOptions> _runner = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync("runner_lineage");
        _runner = new ServiceHost<RunnerOptions>(database, rabbit.Uri,
            ("Runner:Lineage:StartGrace", "00:00:02"),
            ("Runner:Lineage:ProgressInterval", "00:00:00.100"));
        _runner.Services.GetRequiredService<IBus>().ConnectPublishObserver(_published);
        _client = _runner.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _runner.DisposeAsync();
    }

    [Fact]
    public async Task ADbtInvocationWithItsModelsAndATestThatFailsIsARunPerNodeWithItsParentSchemasRowsAndAssertions()
    {
        foreach (var file in new[]
            {
                "dbt-run-start", "dbt-model-stg-orders-start", "dbt-model-stg-orders-complete", "dbt-model-customers-start",
                "dbt-model-customers-complete", "dbt-test-customers-start", "dbt-test-customers-fail", "dbt-run-complete",
            })
        {
            await PostAccepted(_events.Load(file));
        }
        var invocation = _events.RunId("019af2d1-0a4c-7b90-8e2f-6a1c3d5e7f01");
        var customers = await _published.CompletedAsync(_events.RunId("019af2d1-2c6e-7d12-a041-8c3e5f7a9b23"));
        var test = await _published.CompletedAsync(_events.RunId("019af2d1-3d7f-7e23-b152-9d4f6a8b0c34"));
        var run = await _published.CompletedAsync(invocation);

        Assert.Equal(LineageNames.Connector("dbt", "dbt-run-jaffle_shop"), run.Connector);
        Assert.Equal("dbt.dbt-run-jaffle_shop", run.Connector);
        Assert.Equal(RunStatus.Succeeded, run.Status);

        Assert.Equal(RunStatus.Succeeded, customers.Status);
        Assert.Equal(_events.Time("2026-12-08T06:10:05.260117Z"), customers.StartedAt);
        Assert.Equal(_events.Time("2026-12-08T06:10:06.031877Z"), customers.FinishedAt);
        Assert.Equal(771.76, customers.LatencyMs, 3);
        var lineage = customers.Lineage!;
        Assert.Equal(("dbt", "analytics.public.jaffle_shop.customers"), (lineage.JobNamespace, lineage.JobName));
        Assert.Equal(invocation, lineage.Parent!.RunId);
        Assert.Equal(run.Connector, lineage.Parent.Connector);
        Assert.Equal(("DBT", "MODEL", "batch"), (lineage.Integration, lineage.JobType, lineage.ProcessingType));
        var output = Assert.Single(lineage.Outputs);
        Assert.Equal(("postgres://warehouse-db:5432", "analytics.public.customers", 100L), (output.Namespace, output.Name, output.RowCount));
        Assert.Equal(8, output.Schema!.Count);
        Assert.Equal(3, lineage.Inputs.Count);

        Assert.Equal(RunStatus.Failed, test.Status);
        Assert.Equal("fail", test.ErrorType);
        var tested = Assert.Single(test.Lineage!.Inputs);
        var failed = Assert.Single(tested.Assertions, a => !a.Success);
        Assert.Equal(("not_null", "first_order"), (failed.Assertion, failed.Column));
        Assert.Equal(3, tested.Assertions.Count);
        Assert.All(new[] { run, customers, test }, r => Assert.Empty(RunDefinition.Problems(r)));
    }

    [Fact]
    public async Task AnAirflowTaskThatFailsOnItsSecondTryIsAFailedRunWithTheErrorMessageAndTwoAttempts()
    {
        await PostAccepted(_events.Load("airflow-task-fail-start"));
        await PostAccepted(_events.Load("airflow-task-fail"));
        var run = await _published.CompletedAsync(_events.RunId("019af2b4-6c00-7c85-a1e7-5d3b9f0c4e33"));
        Assert.Equal("default.orders_daily.publish_report", run.Connector);
        Assert.Equal((RunStatus.Failed, "fail"), (run.Status, run.ErrorType));
        Assert.False(string.IsNullOrEmpty(run.ErrorMessage));
        Assert.Equal([1, 2], run.Attempts.Select(a => a.Number));
        Assert.Equal(_events.RunId("019af2b4-6c00-7a3e-9d51-3f0e6b2a7c11"), run.Lineage!.Parent!.RunId);
        Assert.NotNull(run.Lineage.NominalStartTime);
    }

    [Fact]
    public async Task CompleteBeforeStartMakesTheSameRunAsStartThenCompleteAndAnEventSentAgainChangesNothing()
    {
        var inOrder = new OpenLineageEvents();
        var reversed = new OpenLineageEvents(inOrder.Time("2026-12-08T06:00:00Z"));
        await PostAccepted(inOrder.Load("airflow-task-start"));
        await PostAccepted(inOrder.Load("airflow-task-complete"));
        await PostAccepted(reversed.Load("airflow-task-complete"));
        await PostAccepted(reversed.Load("airflow-task-start"));

        // The same event again: acknowledged, and nothing changes.
        using var again = await Post("/api/v1/lineage", reversed.Load("airflow-task-start"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("already-accepted", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        const string task = "019af2b4-6c00-7f12-8b44-0c9d2e5a1b22";
        var first = await _published.CompletedAsync(inOrder.RunId(task));
        var second = await _published.CompletedAsync(reversed.RunId(task));
        Assert.Equal(JsonSerializer.Serialize(first with { RunId = Guid.Empty, Lineage = first.Lineage! with { Parent = null } }),
            JsonSerializer.Serialize(second with { RunId = Guid.Empty, Lineage = second.Lineage! with { Parent = null } }));
        Assert.Equal(inOrder.Time("2026-12-08T06:00:05.902311+00:00"), first.StartedAt);
        Assert.Equal(inOrder.Time("2026-12-08T06:00:41.077435+00:00"), first.FinishedAt);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _published.CompletedCount(reversed.RunId(task)));
    }

    [Fact]
    public async Task AnEndWhoseStartNeverComesIsFinishedOnceItsGraceIsOver()
    {
        await PostAccepted(_events.Load("legacy-client-complete"));
        var run = await _published.CompletedAsync(_events.RunId("6c7b9a3e-2f1d-4e8a-9b0c-1d2e3f4a5b6c"));
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(run.FinishedAt, run.StartedAt);
        Assert.Null(run.Lineage!.ProcessingType);
        Assert.Equal(_events.RunId("0b6e1f7c-5a2d-4c3e-8f9a-7b6c5d4e3f2a"), run.Lineage.Parent!.RunId);
    }

    [Fact]
    public async Task SparkRunningEventsArePublishedAsProgressWithRowsBeforeTheRunCompletes()
    {
        await PostAccepted(_events.Load("spark-sql-start"));
        await PostAccepted(_events.Load("spark-sql-running"));
        var id = _events.RunId("019af2e0-5f91-7045-9374-bf618cad2e56");
        var progress = await _published.ProgressAsync(id, p => p.Lineage.LastEventType == LineageEventType.Running);
        Assert.Equal(1284295, Assert.Single(progress.Lineage.Outputs).RowCount);
        Assert.Equal(_events.Time("2026-12-08T07:00:12.481Z"), progress.StartedAt);

        await PostAccepted(_events.Load("spark-sql-complete"));
        var run = await _published.CompletedAsync(id);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        var output = Assert.Single(run.Lineage!.Outputs);
        Assert.Equal(1284295, output.RowCount);
        Assert.Contains(output.Schema!, f => f.Fields is { Count: > 0 });
        Assert.Equal(2, run.Lineage.Inputs.Count);
    }

    [Fact]
    public async Task AFlinkStreamingJobStaysInProgressAndItsBareRunningEventsKeepWhatItsStartSaid()
    {
        await PostAccepted(_events.Load("flink-start"));
        await PostAccepted(_events.Load("flink-running"));
        var id = _events.RunId("019af2f3-7a02-7156-a485-c0729dbe3f67");
        var progress = await _published.ProgressAsync(id, p => p.Lineage.LastEventType == LineageEventType.Running);
        Assert.Equal("streaming", progress.Lineage.ProcessingType);
        Assert.Equal(2, progress.Lineage.Inputs.Count);
        Assert.Equal(4, Assert.Single(progress.Lineage.Outputs).Schema!.Count);
        Assert.Equal(0, _published.CompletedCount(id));
    }

    [Fact]
    public async Task AnAbortedRunIsAborted()
    {
        var start = _events.Load("airflow-task-start");
        var abort = _events.Load("airflow-task-complete");
        abort["eventType"] = "ABORT";
        await PostAccepted(start);
        await PostAccepted(abort);
        var run = await _published.CompletedAsync(_events.RunId("019af2b4-6c00-7f12-8b44-0c9d2e5a1b22"));
        Assert.Equal((RunStatus.Aborted, "abort"), (run.Status, run.ErrorType));
    }

    [Fact]
    public async Task AGzipCompressedEventIsReadAsSent()
    {
        var bytes = Encoding.UTF8.GetBytes(_events.Load("dbt-run-start").ToJsonString());
        using var packed = new MemoryStream();
        await using (var gzip = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true))
        {
            await gzip.WriteAsync(bytes);
        }
        using var content = new ByteArrayContent(packed.ToArray());
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await _client.PostAsync("/api/v1/lineage", content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(_events.RunId("019af2d1-0a4c-7b90-8e2f-6a1c3d5e7f01"), receipt.GetProperty("runId").GetGuid());
        Assert.Equal("start", receipt.GetProperty("eventType").GetString());
    }

    [Fact]
    public async Task AGzipBombIsRefusedAs413()
    {
        using var packed = new MemoryStream();
        await using (var gzip = new GZipStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes("[" + new string(' ', 20 * 1024 * 1024) + "]"));
        }
        using var content = new ByteArrayContent(packed.ToArray());
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await _client.PostAsync("/api/v1/lineage/batch", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ABatchIsAnsweredEventByEventAsTheSpecsBatchResponse()
    {
        var good = _events.Load("spark-sql-start");
        var bad = _events.Load("spark-sql-running");
        bad.Remove("producer");
        var batch = new JsonArray(good.DeepClone(), bad, good.DeepClone(), _events.Load("dbt-run-start"));
        using var response = await Post("/api/v1/lineage/batch", batch);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("partial_success", answer.GetProperty("status").GetString());
        var summary = answer.GetProperty("summary");
        Assert.Equal((4, 3, 1, 0, 1), (summary.GetProperty("received").GetInt32(), summary.GetProperty("successful").GetInt32(),
            summary.GetProperty("failed").GetInt32(), summary.GetProperty("retriable").GetInt32(), summary.GetProperty("non_retriable").GetInt32()));
        Assert.Equal(1, Assert.Single(answer.GetProperty("failed_events").EnumerateArray()).GetProperty("index").GetInt32());
        var statuses = answer.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("status").GetString()!).ToArray();
        Assert.Equal(["accepted", "invalid", "already-accepted", "accepted"], statuses);
        Assert.True(answer.GetProperty("events")[1].GetProperty("errors").TryGetProperty("producer", out _));

        // What the batch stored is a run like any other: its progress is published.
        await _published.ProgressAsync(_events.RunId("019af2e0-5f91-7045-9374-bf618cad2e56"), _ => true);
    }

    [Fact]
    public async Task AnEventWithoutItsRequiredFieldsIsRefusedNamingEachOne()
    {
        var e = _events.Load("airflow-task-start");
        foreach (var field in new[] { "eventTime", "producer", "schemaURL" })
        {
            e.Remove(field);
        }
        e["run"]!.AsObject().Remove("runId");
        e["job"] = new JsonObject();
        var errors = await PostRefused(e, HttpStatusCode.BadRequest);
        Assert.Equal(["eventTime", "job.name", "job.namespace", "producer", "run.runId", "schemaURL"], errors.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("eventTime", "5", "eventTime")]
    [InlineData("eventTime", "\"yesterday\"", "eventTime")]
    [InlineData("eventTime", "\"2026-12-08T06:00:00\"", "eventTime")]
    [InlineData("eventType", "\"DONE\"", "eventType")]
    [InlineData("eventType", "\"complete\"", "eventType")]
    [InlineData("run", "\"r1\"", "run")]
    [InlineData("run", "{\"runId\": \"not-a-uuid\"}", "run.runId")]
    [InlineData("run", "{\"runId\": 12}", "run.runId")]
    [InlineData("job", "{\"namespace\": \"a\", \"name\": 7}", "job.name")]
    [InlineData("inputs", "{}", "inputs")]
    [InlineData("outputs", "[{\"namespace\": \"a\"}]", "outputs[0].name")]
    [InlineData("outputs", "[{\"namespace\": \"a\", \"name\": \"b\", \"outputFacets\": {\"outputStatistics\": {\"_producer\": \"p\", \"_schemaURL\": \"s\", \"rowCount\": -1}}}]", "outputs[0].outputFacets.outputStatistics.rowCount")]
    [InlineData("outputs", "[{\"namespace\": \"a\", \"name\": \"b\", \"facets\": {\"schema\": {\"_producer\": \"p\", \"_schemaURL\": \"s\", \"fields\": [{\"type\": \"int\"}]}}}]", "outputs[0].facets.schema.fields[0].name")]
    [InlineData("outputs", "[{\"namespace\": \"a\", \"name\": \"b\", \"facets\": {\"schema\": {\"fields\": []}}}]", "outputs[0].facets.schema._producer")]
    public async Task AFieldOfTheWrongShapeIsRefusedByItsPath(string property, string json, string expectedField)
    {
        var e = _events.Load("airflow-task-start");
        e[property] = JsonNode.Parse(json);
        var errors = await PostRefused(e, HttpStatusCode.BadRequest);
        Assert.Contains(expectedField, errors);
    }

    [Fact]
    public async Task HostileEventsAreRefusedWithTheLimitTheyBreak()
    {
        // Ten thousand facets.
        var many = _events.Load("airflow-task-start");
        var facets = many["run"]!["facets"]!.AsObject();
        for (var i = 0; i < 10_000; i++)
        {
            facets[$"custom_{i}"] = new JsonObject { ["_producer"] = "p", ["_schemaURL"] = "s" };
        }
        Assert.Contains("run.facets", await PostRefused(many, HttpStatusCode.BadRequest));

        // Nesting far past the limit, inside an unknown facet.
        var deep = _events.Load("airflow-task-start");
        JsonNode nested = new JsonObject();
        for (var i = 0; i < 200; i++)
        {
            nested = new JsonObject { ["x"] = nested };
        }
        deep["run"]!["facets"]!["deep"] = new JsonObject { ["_producer"] = "p", ["_schemaURL"] = "s", ["nested"] = nested };
        Assert.NotEmpty(await PostRefused(deep, HttpStatusCode.BadRequest));

        // A schema nested deeper than a message can carry.
        var schema = _events.Load("airflow-task-start");
        var fields = new JsonArray(new JsonObject { ["name"] = "leaf", ["type"] = "int" });
        for (var i = 0; i < LineageDefinition.MaxSchemaDepth + 1; i++)
        {
            fields = new JsonArray(new JsonObject { ["name"] = $"level{i}", ["type"] = "struct", ["fields"] = fields });
        }
        schema["outputs"]![0]!["facets"]!["schema"]!["fields"] = fields;
        Assert.Contains(await PostRefused(schema, HttpStatusCode.BadRequest), f => f.StartsWith("outputs[0].facets.schema", StringComparison.Ordinal));

        // A NUL in a name every store keeps.
        var nul = _events.Load("airflow-task-start");
        nul["job"]!["name"] = "orders\u0000daily";
        Assert.NotEmpty(await PostRefused(nul, HttpStatusCode.BadRequest));

        // Not JSON, and not an event.
        using var notJson = new StringContent("{\"eventType\": \"START\",", Encoding.UTF8, "application/json");
        using var broken = await _client.PostAsync("/api/v1/lineage", notJson);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        using var array = await Post("/api/v1/lineage", new JsonArray());
        Assert.Equal(HttpStatusCode.BadRequest, array.StatusCode);
        using var text = new StringContent("hello", Encoding.UTF8, "text/plain");
        using var plain = await _client.PostAsync("/api/v1/lineage", text);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
    }

    [Fact]
    public async Task ARunIdThatIsAnotherRunsIsAConflict()
    {
        // Taken by a run report.
        var runId = Guid.CreateVersion7();
        using var report = await _client.PostAsJsonAsync("/api/runs", new
        {
            runId, connector = "reported_job", status = "succeeded", startedAt = DateTimeOffset.UtcNow.AddMinutes(-2), finishedAt = DateTimeOffset.UtcNow.AddMinutes(-1),
        });
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        var e = _events.Load("dbt-run-start");
        e["run"]!["runId"] = runId.ToString();
        using var taken = await Post("/api/v1/lineage", e);
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);

        // Taken by another job's events.
        var first = _events.Load("dbt-run-start");
        await PostAccepted(first);
        var other = _events.Load("dbt-run-complete");
        other["job"]!["name"] = "another-job";
        using var another = await Post("/api/v1/lineage", other);
        Assert.Equal(HttpStatusCode.Conflict, another.StatusCode);
    }

    [Fact]
    public async Task DatasetAndJobEventsAreKeptAndMakeNoRun()
    {
        var datasetEvent = new JsonObject
        {
            ["eventTime"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"),
            ["producer"] = "https://github.com/OpenLineage/OpenLineage/tree/1.52.0/client/python",
            ["schemaURL"] = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
            ["dataset"] = new JsonObject { ["namespace"] = "postgres://warehouse-db:5432", ["name"] = "analytics.public.orders" },
        };
        using var response = await Post("/api/v1/lineage", datasetEvent);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("dataset_event", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventType").GetString());
        using var again = await Post("/api/v1/lineage", datasetEvent);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private async Task PostAccepted(JsonObject e)
    {
        using var response = await Post("/api/v1/lineage", e);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<List<string>> PostRefused(JsonNode e, HttpStatusCode expected)
    {
        using var response = await Post("/api/v1/lineage", e);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name)];
    }

    private Task<HttpResponseMessage> Post(string path, JsonNode body) =>
        _client.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

    /// <summary>What the runner publishes: finished runs and runs in progress.</summary>
    private sealed class Published : IPublishObserver
    {
        private readonly ConcurrentQueue<RunCompleted> _completed = new();
        private readonly ConcurrentQueue<RunInProgress> _progress = new();

        public int CompletedCount(Guid runId) => _completed.Count(r => r.RunId == runId);

        public Task<RunCompleted> CompletedAsync(Guid runId) =>
            Poll.UntilFoundAsync(() => _completed.FirstOrDefault(r => r.RunId == runId), $"RunCompleted {runId}", TimeSpan.FromSeconds(30));

        public Task<RunInProgress> ProgressAsync(Guid runId, Func<RunInProgress, bool> which) =>
            Poll.UntilFoundAsync(() => _progress.LastOrDefault(r => r.RunId == runId && which(r)), $"RunInProgress {runId}", TimeSpan.FromSeconds(30));

        public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

        public Task PostPublish<T>(PublishContext<T> context) where T : class
        {
            switch (context.Message)
            {
                case RunCompleted run:
                    _completed.Enqueue(run);
                    break;
                case RunInProgress progress:
                    _progress.Enqueue(progress);
                    break;
            }
            return Task.CompletedTask;
        }

        public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
