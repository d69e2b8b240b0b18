using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Alerting;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>
/// Sixteen identical calls at once to each lifecycle route of the real Alerting service (real PostgreSQL and RabbitMQ)
/// have the effect of one: one row change (counted by a trigger on the table), one resolution notification, one
/// AlertResolved; the other calls get an honest answer (409, or the same silence back).
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class ConcurrentLifecycleTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private const int Callers = 16;

    private readonly WebhookReceiver _receiver = new();
    private readonly ResolvedCounter _resolved = new();
    private ServiceHost<AlertingOptions> _service = null!;
    private NpgsqlDataSource _database = null!;

    public async Task InitializeAsync()
    {
        await _receiver.StartAsync();
        var connectionString = await postgres.CreateDatabaseConnectionStringAsync("alerting_concurrency");
        _database = NpgsqlDataSource.Create(connectionString);
        _service = new ServiceHost<AlertingOptions>(connectionString, rabbit.Uri, ("Alerting:Channels:ops:Url", _receiver.Url));
        _service.Services.GetRequiredService<IBus>().ConnectPublishObserver(_resolved);
        await Poll.UntilAsync(async () =>
        {
            using var client = _service.CreateClient();
            var state = await client.GetFromJsonAsync<JsonElement>($"/api/system/{ResourceNames.Alerting}");
            return state.GetProperty("queues").EnumerateArray().Count(q => q.GetProperty("consumers").GetInt64() >= 1) >= 2;
        }, "both alerting consumers up");
        // Every row written to the tables the lifecycle routes change, with what changed: the effects to count.
        await ExecuteAsync(
            """
            CREATE TABLE public.row_writes (tbl text NOT NULL, op text NOT NULL, row_key text NOT NULL, detail text);
            CREATE FUNCTION public.record_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_TABLE_NAME = 'alerts' THEN
                    IF OLD.state IS DISTINCT FROM NEW.state OR OLD.acknowledged_by IS DISTINCT FROM NEW.acknowledged_by
                       OR OLD.acknowledged_at IS DISTINCT FROM NEW.acknowledged_at OR OLD.resolved_by IS DISTINCT FROM NEW.resolved_by THEN
                        INSERT INTO public.row_writes VALUES ('alerts', TG_OP, NEW.alert_id::text, NEW.state);
                    END IF;
                ELSIF TG_TABLE_NAME = 'silences' THEN
                    INSERT INTO public.row_writes VALUES ('silences', TG_OP, NEW.silence_id::text, NULL);
                ELSIF TG_OP = 'DELETE' THEN
                    INSERT INTO public.row_writes VALUES ('connector_rules', TG_OP, OLD.connector, NULL);
                ELSE
                    INSERT INTO public.row_writes VALUES ('connector_rules', TG_OP, NEW.connector, NEW.overrides::text);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER record_alert_writes AFTER UPDATE ON alerting.alerts FOR EACH ROW EXECUTE FUNCTION public.record_write();
            CREATE TRIGGER record_silence_writes AFTER INSERT OR UPDATE ON alerting.silences FOR EACH ROW EXECUTE FUNCTION public.record_write();
            CREATE TRIGGER record_rule_writes AFTER INSERT OR UPDATE OR DELETE ON alerting.connector_rules
                FOR EACH ROW EXECUTE FUNCTION public.record_write();
            """);
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        await _receiver.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task SixteenAcknowledgementsAtOnceAcknowledgeOnceAndTheOthersAreToldItIsAcknowledgedAlready()
    {
        var alertId = await FiringAlertAsync();

        var answers = await AllAtOnceAsync(i => new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{alertId}/ack")
        {
            Content = JsonContent.Create(new { by = $"operator{i}" }),
        });

        var winner = Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        AssertConflicts(answers, "acknowledged already");
        var changes = await WritesAsync("alerts", alertId.ToString());
        Assert.Equal("acknowledged", Assert.Single(changes));
        // The one who was told "done" is the one recorded.
        var by = winner.Body.GetProperty("alert").GetProperty("acknowledgedBy").GetString();
        Assert.Equal(by, (await GetAlertAsync(alertId)).GetProperty("alert").GetProperty("acknowledgedBy").GetString());
    }

    [Fact]
    public async Task SixteenResolutionsAtOnceResolveOnceNotifyOnceAndAnnounceOnce()
    {
        var alertId = await FiringAlertAsync();
        await Poll.UntilAsync(async () => (await GetAlertAsync(alertId)).GetProperty("notifications").EnumerateArray()
            .Any(n => n.GetProperty("kind").GetString() == "firing" && n.GetProperty("status").GetString() == "delivered"), "the firing notification delivered");

        var answers = await AllAtOnceAsync(_ => new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{alertId}/resolve"));

        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        AssertConflicts(answers, "resolved already");
        Assert.Equal("resolved", Assert.Single(await WritesAsync("alerts", alertId.ToString())));
        // The resolution is sent by the alert's group, on the dispatcher's next round: once, and not again later.
        async Task<int> ResolutionsAsync() => (await GetAlertAsync(alertId)).GetProperty("notifications").EnumerateArray()
            .Count(n => n.GetProperty("kind").GetString() == "resolved");
        await Poll.UntilAsync(async () => await ResolutionsAsync() >= 1, "the resolution queued");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await ResolutionsAsync());
        await Poll.UntilAsync(() => _resolved.Count(alertId) >= 1, "AlertResolved published");
        // A later publish of anything is the mark that every publish of the calls above has been observed.
        await _service.Services.GetRequiredService<IBus>().Publish(new AlertResolved(-alertId, "marker", "marker", "manual", DateTimeOffset.UtcNow));
        await Poll.UntilAsync(() => _resolved.Count(-alertId) == 1, "the marker published");
        Assert.Equal(1, _resolved.Count(alertId));
    }

    [Fact]
    public async Task SixteenIdenticalSilencesAtOnceCreateOneAndTheOthersGetThatOneBack()
    {
        var connector = $"quiet_{Guid.NewGuid():N}"[..16];
        var endsAt = DateTimeOffset.UtcNow.AddHours(2);

        // No startsAt: each call's "now" differs, and still they are the same silence.
        var answers = await AllAtOnceAsync(_ => new HttpRequestMessage(HttpMethod.Post, "/api/silences")
        {
            Content = JsonContent.Create(new { connector, endsAt, author = "ops", comment = "vendor maintenance" }),
        });

        var created = Assert.Single(answers, a => a.Status == HttpStatusCode.Created);
        Assert.All(answers.Where(a => a != created), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var id = created.Body.GetProperty("id").GetGuid();
        Assert.All(answers, a => Assert.Equal(id, a.Body.GetProperty("id").GetGuid()));
        var rows = await RowsAsync("SELECT count(*) FROM alerting.silences WHERE connector = $1", connector);
        Assert.Equal(1L, rows);
        Assert.Equal("INSERT", Assert.Single(await WriteOpsAsync("silences", id.ToString())));

        // A different comment is a different silence.
        using var client = _service.CreateClient();
        using var other = await client.PostAsJsonAsync("/api/silences", new { connector, endsAt, author = "ops", comment = "another reason" });
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
    }

    [Fact]
    public async Task SixteenExpiriesOfOneSilenceAtOnceEndItOnceAndTheOthersAreToldItHasEnded()
    {
        using var client = _service.CreateClient();
        using var created = await client.PostAsJsonAsync("/api/silences", new
        {
            connector = $"quiet_{Guid.NewGuid():N}"[..16], endsAt = DateTimeOffset.UtcNow.AddHours(2), author = "ops", comment = "window",
        });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var answers = await AllAtOnceAsync(_ => new HttpRequestMessage(HttpMethod.Delete, $"/api/silences/{id}"));

        Assert.Single(answers, a => a.Status == HttpStatusCode.NoContent);
        AssertConflicts(answers.Where(a => a.Status != HttpStatusCode.NoContent).ToList(), "ended at");
        Assert.Equal(new[] { "INSERT", "UPDATE" }, await WriteOpsAsync("silences", id.ToString()));
        using var missing = await client.DeleteAsync($"/api/silences/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task SixteenIdenticalThresholdPutsAtOnceWriteOnceAndSixteenDeletesRemoveOnce()
    {
        var connector = $"rules_{Guid.NewGuid():N}"[..16];

        var puts = await AllAtOnceAsync(_ => new HttpRequestMessage(HttpMethod.Put, $"/api/rules/{connector}")
        {
            Content = JsonContent.Create(new { consecutiveFailures = 7 }),
        });

        // PUT is idempotent: every caller is answered with the state that holds, and only one of them wrote it.
        Assert.All(puts, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(puts, a => Assert.Equal(7, a.Body.GetProperty("effective").GetProperty("consecutiveFailures").GetInt32()));
        Assert.Equal(new[] { "INSERT" }, await WriteOpsAsync("connector_rules", connector));

        var deletes = await AllAtOnceAsync(_ => new HttpRequestMessage(HttpMethod.Delete, $"/api/rules/{connector}"));

        Assert.Single(deletes, a => a.Status == HttpStatusCode.NoContent);
        Assert.All(deletes.Where(a => a.Status != HttpStatusCode.NoContent), a =>
        {
            Assert.Equal(HttpStatusCode.NotFound, a.Status);
            Assert.Equal("application/problem+json", a.MediaType);
        });
        Assert.Equal(new[] { "INSERT", "DELETE" }, await WriteOpsAsync("connector_rules", connector));
    }

    private sealed record Answer(HttpStatusCode Status, string? MediaType, JsonElement Body);

    // Every request is built first and held at a barrier, so all of them are in flight together.
    private async Task<List<Answer>> AllAtOnceAsync(Func<int, HttpRequestMessage> request)
    {
        using var client = _service.CreateClient();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, Callers).Select(async i =>
        {
            using var message = request(i);
            await start.Task;
            using var response = await client.SendAsync(message);
            var text = await response.Content.ReadAsStringAsync();
            return new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType,
                text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }).ToList();
        start.SetResult();
        return [.. await Task.WhenAll(calls)];
    }

    private static void AssertConflicts(List<Answer> answers, string says)
    {
        var conflicts = answers.Where(a => a.Status is not (HttpStatusCode.OK or HttpStatusCode.NoContent)).ToList();
        Assert.Equal(Callers - 1, conflicts.Count);
        Assert.All(conflicts, a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.Status);
            Assert.Equal("application/problem+json", a.MediaType);
            Assert.Contains(says, a.Body.GetProperty("detail").GetString());
        });
    }

    // A failing connector with a firing consecutive-failures alert, made the way production makes one: from runs.
    private async Task<long> FiringAlertAsync()
    {
        var connector = $"busy_{Guid.NewGuid():N}"[..16];
        var bus = _service.Services.GetRequiredService<IBus>();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 5; i++)
        {
            await bus.Publish(new RunCompleted
            {
                RunId = Guid.CreateVersion7(), Connector = connector, Source = RunSource.Scheduled,
                StartedAt = now.AddSeconds(i - 10), FinishedAt = now.AddSeconds(i - 9), Status = RunStatus.Failed, LatencyMs = 1000,
                ErrorType = "auth", ErrorMessage = "401 Unauthorized",
            });
        }
        using var client = _service.CreateClient();
        long? alertId = null;
        await Poll.UntilAsync(async () =>
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={connector}&rule=consecutive_failures&state=firing");
            alertId = page.GetProperty("items").EnumerateArray().Select(a => (long?)a.GetProperty("alertId").GetInt64()).FirstOrDefault();
            return alertId is not null;
        }, "the failure alert firing");
        return alertId!.Value;
    }

    private async Task<JsonElement> GetAlertAsync(long alertId)
    {
        using var client = _service.CreateClient();
        return await client.GetFromJsonAsync<JsonElement>($"/api/alerts/{alertId}");
    }

    private async Task<List<string?>> WritesAsync(string table, string key) =>
        [.. (await DatabaseRows.ReadAsync(_database, "SELECT detail FROM public.row_writes WHERE tbl = $1 AND row_key = $2", [table, key]))
            .Select(r => r[0] as string)];

    private async Task<List<string>> WriteOpsAsync(string table, string key) =>
        [.. (await DatabaseRows.ReadAsync(_database, "SELECT op FROM public.row_writes WHERE tbl = $1 AND row_key = $2 ORDER BY ctid", [table, key]))
            .Select(r => (string)r[0]!)];

    private async Task<object?> RowsAsync(string sql, params object[] parameters) =>
        (await DatabaseRows.ReadAsync(_database, sql, parameters)).Single()[0];

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Counts the AlertResolved messages the service publishes, per alert.</summary>
    private sealed class ResolvedCounter : IPublishObserver
    {
        private readonly ConcurrentDictionary<long, int> _counts = new();

        public int Count(long alertId) => _counts.GetValueOrDefault(alertId);

        public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

        public Task PostPublish<T>(PublishContext<T> context) where T : class
        {
            if (context.Message is AlertResolved resolved)
            {
                _counts.AddOrUpdate(resolved.AlertId, 1, (_, n) => n + 1);
            }
            return Task.CompletedTask;
        }

        public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
