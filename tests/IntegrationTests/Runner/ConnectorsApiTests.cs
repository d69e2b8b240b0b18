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
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Runner;

/// <summary>
/// Connectors as data through two replicas of the real Runner service (real PostgreSQL and RabbitMQ): what one replica
/// is told, the other runs; a secret is used by runs, never shown and never stored in the clear; configuration wins.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class ConnectorsApiTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private const string Configured = "configured_api";
    private const string Secret = "s3cret";
    private readonly LocalHttpServer _api = new();
    private readonly PublishedRuns _published = new();
    private string _database = "";
    private ServiceHost<RunnerOptions> _first = null!;
    private ServiceHost<RunnerOptions> _second = null!;

    public async Task InitializeAsync()
    {
        await _api.InitializeAsync();
        _database = await postgres.CreateDatabaseConnectionStringAsync("runner_connectors");
        _first = Replica();
        _first.Services.GetRequiredService<IBus>().ConnectPublishObserver(_published);
        _second = Replica();
        _second.Services.GetRequiredService<IBus>().ConnectPublishObserver(_published);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task AConnectorCreatedOnOneReplicaRunsOnTheOtherWithItsSecretWhichIsNeverShownNorStoredInTheClear()
    {
        using var first = _first.CreateClient();
        using var second = _second.CreateClient();
        var definition = new JsonObject
        {
            ["kind"] = "http",
            ["interval"] = "1.00:00:00",
            ["enabled"] = false,
            ["retry"] = new JsonObject { ["maxAttempts"] = 1 },
            ["owner"] = "team-billing",
            ["tags"] = new JsonArray("pii", "tier:1"),
            ["http"] = new JsonObject
            {
                ["url"] = new Uri(_api.BaseAddress, "/secret").ToString(),
                ["headers"] = new JsonObject { ["Accept"] = "application/json" },
                ["secretHeader"] = "X-Api-Key",
                ["secretValue"] = Secret,
            },
        };

        using var created = await first.PutAsJsonAsync("/api/connectors/secret_api", definition);
        var createdBody = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain(Secret, createdBody, StringComparison.Ordinal);
        var view = JsonDocument.Parse(createdBody).RootElement;
        Assert.Equal("api", view.GetProperty("origin").GetString());
        Assert.True(view.GetProperty("http").GetProperty("hasSecret").GetBoolean());
        Assert.Equal("X-Api-Key", view.GetProperty("http").GetProperty("secretHeader").GetString());
        Assert.Equal("team-billing", view.GetProperty("owner").GetString());

        // The other replica learns of it from the database, and its run sends the secret the first replica stored.
        var seen = await Poll.UntilFoundAsync(async () =>
        {
            using var response = await second.GetAsync("/api/connectors/secret_api");
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
        }, "the second replica to know the connector");
        Assert.DoesNotContain(Secret, seen, StringComparison.Ordinal);
        var runId = await RunNowAsync(second, "secret_api");
        var run = await Poll.UntilFoundAsync(() => _published.Of("secret_api").SingleOrDefault(r => r.RunId == runId), "the run published");
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("team-billing", run.Owner);
        // The replica that did not run it shows it as the connector's last run.
        await Poll.UntilAsync(async () =>
            (await first.GetFromJsonAsync<JsonElement>("/api/connectors/secret_api")).GetProperty("lastRun") is { ValueKind: JsonValueKind.Object } last
            && last.GetProperty("runId").GetGuid() == runId, "the first replica to show the run as the last");

        // At rest: the definition holds no secret, and the stored secret is not the secret.
        await using (var data = NpgsqlDataSource.Create(_database))
        {
            await using var command = data.CreateCommand("SELECT definition::text, secret FROM runner.connectors WHERE name = 'secret_api'");
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.DoesNotContain(Secret, reader.GetString(0), StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, reader.GetString(1), StringComparison.Ordinal);
            Assert.True(reader.GetString(1).Length > 40);
        }

        // An edit that keeps the secret header and sends no value keeps the secret: the next run is still let in.
        definition["http"]!.AsObject().Remove("secretValue");
        definition["timeout"] = "00:00:20";
        using var replaced = await second.PutAsJsonAsync("/api/connectors/secret_api", definition);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(20), (await replaced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("timeout").Deserialize<TimeSpan>());
        await Poll.UntilAsync(async () => (await first.GetFromJsonAsync<JsonElement>("/api/connectors/secret_api")).GetProperty("timeout").GetString() == "00:00:20",
            "the first replica to see the edit");
        var again = await RunNowAsync(first, "secret_api");
        Assert.Equal(RunStatus.Succeeded, (await Poll.UntilFoundAsync(() => _published.Of("secret_api").SingleOrDefault(r => r.RunId == again), "the second run published")).Status);

        // A new secret header with no value is refused: there is nothing to keep.
        definition["http"]!["secretHeader"] = "Authorization";
        using var refused = await first.PutAsJsonAsync("/api/connectors/secret_api", definition);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("http.secretValue", out _));
    }

    [Fact]
    public async Task ConnectorsAreListedByFilterPausedResumedAndDeletedOnEveryReplica()
    {
        using var first = _first.CreateClient();
        using var second = _second.CreateClient();
        foreach (var (name, owner, tag) in new[] { ("list_orders", "team-a", "pii"), ("list_invoices", "team-a", "finance"), ("list_users", "team-b", "pii") })
        {
            using var response = await first.PutAsJsonAsync($"/api/connectors/{name}", new
            {
                kind = "good_api", cron = "0 0 1 1 *", owner, tags = new[] { tag },
            });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        Assert.Equal(["list_invoices", "list_orders", "list_users"], await NamesAsync(first, "/api/connectors?search=LIST_"));
        Assert.Equal(["list_invoices", "list_orders"], await NamesAsync(first, "/api/connectors?search=list_&owner=team-a"));
        Assert.Equal(["list_orders", "list_users"], await NamesAsync(first, "/api/connectors?search=list_&tag=pii"));

        // Pages of two, by name, with the total of what matches.
        var page = await first.GetFromJsonAsync<JsonElement>("/api/connectors?search=list_&limit=2");
        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        var next = await first.GetFromJsonAsync<JsonElement>($"/api/connectors?search=list_&limit=2&cursor={page.GetProperty("cursor").GetString()}");
        Assert.Equal("list_users", Assert.Single(next.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, next.GetProperty("cursor").ValueKind);

        // Paused on one replica, paused on both; the list's state filter sees it.
        using var pause = await first.PatchAsJsonAsync("/api/connectors/list_users", new { enabled = false });
        Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        Assert.False((await pause.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("enabled").GetBoolean());
        Assert.Equal(["list_users"], await NamesAsync(first, "/api/connectors?search=list_&state=paused"));
        await Poll.UntilAsync(async () => (await NamesAsync(second, "/api/connectors?search=list_&state=paused")).SequenceEqual(["list_users"]),
            "the second replica to see the pause");

        using var deleted = await second.DeleteAsync("/api/connectors/list_orders");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await second.GetAsync("/api/connectors/list_orders");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        await Poll.UntilAsync(async () => (await NamesAsync(first, "/api/connectors?search=list_")).SequenceEqual(["list_invoices", "list_users"]),
            "the first replica to see the deletion");
        using var deletedAgain = await first.DeleteAsync("/api/connectors/list_orders");
        Assert.Equal(HttpStatusCode.NotFound, deletedAgain.StatusCode);
    }

    [Fact]
    public async Task AConnectorDefinedInConfigurationIsReplacedAndDeletedOnlyThereButMayBePaused()
    {
        using var client = _first.CreateClient();
        var view = await client.GetFromJsonAsync<JsonElement>($"/api/connectors/{Configured}");
        Assert.Equal("configuration", view.GetProperty("origin").GetString());

        using var replace = await client.PutAsJsonAsync($"/api/connectors/{Configured}", new { kind = "good_api", interval = "00:01:00" });
        Assert.Equal(HttpStatusCode.Conflict, replace.StatusCode);
        Assert.Equal("application/problem+json", replace.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Runner:Connectors:configured_api", await replace.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var delete = await client.DeleteAsync($"/api/connectors/{Configured}");
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);

        using var resume = await client.PatchAsJsonAsync($"/api/connectors/{Configured}", new { enabled = true });
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        using var pause = await client.PatchAsJsonAsync($"/api/connectors/{Configured}", new { enabled = false });
        Assert.False((await pause.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("enabled").GetBoolean());
        Assert.Equal("1.00:00:00", (await client.GetFromJsonAsync<JsonElement>($"/api/connectors/{Configured}")).GetProperty("interval").GetString());
    }

    [Fact]
    public async Task AStoredDefinitionThatNoLongerReadsOrPassesIsListedWithItsProblemAndNeverRunWhileTheOthersGoOn()
    {
        await using (var data = NpgsqlDataSource.Create(_database))
        {
            // Written by hand or by an older version: one that does not read, one that breaks today's rules.
            await using var insert = data.CreateCommand(
                """
                INSERT INTO runner.connectors (name, definition, origin, enabled) VALUES
                    ('stored_unreadable', '{"kind": 5, "interval": "00:00:02"}', 'api', true),
                    ('stored_breaking', '{"kind": "ftp", "interval": "00:00:02"}', 'api', true)
                """);
            await insert.ExecuteNonQueryAsync();
        }
        using var client = _first.CreateClient();
        using (var created = await client.PutAsJsonAsync("/api/connectors/stored_fine", new { kind = "good_api", cron = "0 0 1 1 *", enabled = false }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await Poll.UntilAsync(async () => (await NamesAsync(client, "/api/connectors?search=stored_&state=unschedulable")).SequenceEqual(["stored_breaking", "stored_unreadable"]),
            "both stored connectors listed as unschedulable");
        var breaking = await client.GetFromJsonAsync<JsonElement>("/api/connectors/stored_breaking");
        Assert.Contains("Kind 'ftp'", breaking.GetProperty("problem").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, breaking.GetProperty("nextRunAt").ValueKind);
        var unreadable = await client.GetFromJsonAsync<JsonElement>("/api/connectors/stored_unreadable");
        Assert.Contains("cannot be read", unreadable.GetProperty("problem").GetString(), StringComparison.Ordinal);
        using var runNow = await client.PostAsync("/api/connectors/stored_breaking/runs", null);
        Assert.Equal(HttpStatusCode.Conflict, runNow.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await client.GetFromJsonAsync<JsonElement>("/api/connectors/stored_fine")).GetProperty("problem").ValueKind);
        Assert.Empty(_published.Of("stored_breaking"));
        Assert.Empty(_published.Of("stored_unreadable"));

        // Set again through the API, it is whole and runs.
        using var fixedAgain = await client.PutAsJsonAsync("/api/connectors/stored_breaking", new { kind = "good_api", cron = "0 0 1 1 *", enabled = false });
        Assert.Equal(HttpStatusCode.OK, fixedAgain.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await fixedAgain.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problem").ValueKind);
    }

    public static TheoryData<string, string> BadDefinitions => new()
    {
        { """{"kind":"ftp","interval":"00:01:00"}""", "kind" },
        { """{"kind":"good_api"}""", "interval" },
        { """{"kind":"good_api","interval":"00:01:00","cron":"* * * * *"}""", "interval" },
        { """{"kind":"good_api","interval":"00:00:00.5"}""", "interval" },
        { """{"kind":"good_api","cron":"every minute"}""", "cron" },
        { """{"kind":"good_api","interval":"00:01:00","timeout":"00:00:00"}""", "timeout" },
        { """{"kind":"good_api","interval":"00:01:00","timeout":"2.00:00:00"}""", "timeout" },
        { """{"kind":"good_api","interval":"00:01:00","retry":{"maxAttempts":0}}""", "retry.maxAttempts" },
        { """{"kind":"good_api","interval":"00:01:00","retry":{"initialDelay":"00:01:00","maxDelay":"00:00:01"}}""", "retry.maxDelay" },
        { """{"kind":"good_api","interval":"00:01:00","retry":null}""", "retry" },
        { """{"kind":"good_api","interval":"00:01:00","owner":" "}""", "owner" },
        { """{"kind":"good_api","interval":"00:01:00","owner":"a\u0000b"}""", "owner" },
        { """{"kind":"good_api","interval":"00:01:00","tags":["PII"]}""", "tags" },
        { """{"kind":"good_api","interval":"00:01:00","http":{"url":"https://example.com"}}""", "http" },
        { """{"kind":"http","interval":"00:01:00"}""", "http" },
        { """{"kind":"http","interval":"00:01:00","http":{"url":"ftp://example.com"}}""", "http.url" },
        { """{"kind":"http","interval":"00:01:00","http":{"url":"https://x/\ud800"}}""", "http.url" },
        { """{"kind":"http","interval":"00:01:00","http":{"url":"https://example.com","method":"DELETE"}}""", "http.method" },
        { """{"kind":"http","interval":"00:01:00","http":{"url":"https://example.com","headers":{"X-A":"a\r\nX-B: b"}}}""", "http.headers" },
        { """{"kind":"http","interval":"00:01:00","http":{"url":"https://example.com","headers":{"Bad Header":"a"}}}""", "http.headers" },
        { """{"kind":"http","interval":"00:01:00","http":{"url":"https://example.com","secretHeader":"X-Api-Key"}}""", "http.secretValue" },
        { """{"kind":"http","interval":"00:01:00","http":{"url":"https://example.com","secretValue":"s"}}""", "http.secretHeader" },
    };

    [Theory]
    [MemberData(nameof(BadDefinitions))]
    public async Task ABadDefinitionIsRefusedNamingItsField(string body, string field)
    {
        using var client = _first.CreateClient();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PutAsync("/api/connectors/bad_definition", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} for {body}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), $"{field} not named for {body}: {text}");
        using var absent = await client.GetAsync("/api/connectors/bad_definition");
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
    }

    [Theory]
    [InlineData("Bad Name", HttpStatusCode.BadRequest)]
    [InlineData("ok_name", HttpStatusCode.BadRequest)]
    public async Task AnUnreadableBodyOrABadNameIsABadRequest(string name, HttpStatusCode expected)
    {
        using var client = _first.CreateClient();
        using var content = new StringContent("""{"kind":"good_api","interval":"00:01:00","color":"red"}""", Encoding.UTF8, "application/json");
        using var response = await client.PutAsync($"/api/connectors/{Uri.EscapeDataString(name)}", content);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<Guid> RunNowAsync(HttpClient client, string connector)
    {
        using var response = await client.PostAsync($"/api/connectors/{connector}/runs", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
    }

    private static async Task<string[]> NamesAsync(HttpClient client, string path) =>
        [.. (await client.GetFromJsonAsync<JsonElement>(path)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!)];

    /// <summary>The Runner service's real Program on the test broker and database, with one connector in configuration.</summary>
    private ServiceHost<RunnerOptions> Replica() => new(_database, rabbit.Uri,
        ($"Runner:Connectors:{Configured}:Kind", "good_api"),
        ($"Runner:Connectors:{Configured}:Interval", "1.00:00:00"),
        ($"Runner:Connectors:{Configured}:Enabled", "false"),
        ("Runner:CatalogRefresh", "00:00:00.200"));
}
