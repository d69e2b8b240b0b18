using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ConnectorHealth.EndToEndTests;

/// <summary>The runner's REST API through the gateway, with the run history it feeds read back from the metrics service.</summary>
[Collection(SystemCollection.Name)]
public sealed class RunnerApiTests(ConnectorHealthApp system)
{
    private static object Report(Guid runId, string status = "failed", string? errorType = "TimeoutError") => new
    {
        runId,
        connector = "nightly_export",
        status,
        startedAt = DateTimeOffset.UtcNow.AddMinutes(-3),
        finishedAt = DateTimeOffset.UtcNow.AddMinutes(-1),
        errorType,
        errorMessage = "warehouse did not answer",
        payload = new { rows = 1200, table = "orders" },
        expectedInterval = "01:00:00",
    };

    [Fact]
    public async Task AReportedRunIsFoundInTheRunHistory()
    {
        var runId = Guid.NewGuid();

        var response = await system.Gateway.PostAsJsonAsync("/api/runs", Report(runId));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/runs/{runId}", response.Headers.Location?.OriginalString);
        var run = await GatewayCalls.UntilFoundAsync(system.Gateway, $"/api/runs/{runId}");
        Assert.Equal("nightly_export", run.GetProperty("connector").GetString());
        Assert.Equal("reported", run.GetProperty("source").GetString());
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Equal("TimeoutError", run.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task TheSameReportTwiceIsAcceptedOnceAndADifferentOneWithItsIdIsAConflict()
    {
        var runId = Guid.NewGuid();
        var report = Report(runId);

        var first = await system.Gateway.PostAsJsonAsync("/api/runs", report);
        var again = await system.Gateway.PostAsJsonAsync("/api/runs", report);
        var different = await system.Gateway.PostAsJsonAsync("/api/runs", Report(runId, status: "succeeded", errorType: null));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("already-accepted", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, different.StatusCode);
        Assert.Equal("application/problem+json", different.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ABadReportGetsProblemDetailsNamingEachField()
    {
        var response = await system.Gateway.PostAsJsonAsync("/api/runs", new
        {
            connector = "Not A Name!",
            status = "exploded",
            startedAt = DateTimeOffset.UtcNow,
            finishedAt = DateTimeOffset.UtcNow.AddHours(-1),
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["connector", "finishedAt", "runId", "status"], errors.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task AMalformedBodyIsABadRequestNotAServerError()
    {
        using var content = new StringContent("{\"runId\": \"not-a-guid\",", System.Text.Encoding.UTF8, "application/json");

        var response = await system.Gateway.PostAsync("/api/runs", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task RunNowStartsARunThatReachesTheRunHistory()
    {
        var response = await system.Gateway.PostAsync("/api/connectors/schema_changer/runs", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var runId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        var run = await GatewayCalls.UntilFoundAsync(system.Gateway, $"/api/runs/{runId}");
        Assert.Equal("triggered", run.GetProperty("source").GetString());
        Assert.Equal("schema_changer", run.GetProperty("connector").GetString());

        var connector = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/connectors/schema_changer");
        Assert.NotEqual(JsonValueKind.Null, connector.GetProperty("lastRun").ValueKind);
    }

    [Fact]
    public async Task RunNowForAnUnknownConnectorIsNotFound()
    {
        var response = await system.Gateway.PostAsync("/api/connectors/no_such_connector/runs", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RunNowWhileTheConnectorIsRunningIsAConflict()
    {
        // An HTTP connector whose API (a local server of the test's) takes seconds to answer.
        var path = $"/api/connectors/{ConnectorHealthApp.HeldConnector}/runs";

        var first = await system.Gateway.PostAsync(path, null);
        var second = await system.Gateway.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var runId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        var run = await GatewayCalls.UntilFoundAsync(system.Gateway, $"/api/runs/{runId}");
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.True(run.GetProperty("latencyMs").GetDouble() >= ConnectorHealthApp.HeldFor.TotalMilliseconds * 0.95);
    }

    [Fact]
    public async Task AnUnknownConnectorIsNotFound()
    {
        var response = await system.Gateway.GetAsync("/api/connectors/no_such_connector");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task TheCatalogShowsSchedulesRetryPoliciesAndTheDisabledHttpConnector()
    {
        var connectors = (await system.Gateway.GetFromJsonAsync<JsonElement>("/api/connectors?limit=500")).GetProperty("items").EnumerateArray().ToList();

        var names = connectors.Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Superset(new HashSet<string?> { "good_api", "rate_limited_api", "schema_changer", "open_meteo" }, names.ToHashSet());
        var openMeteo = connectors.Single(c => c.GetProperty("name").GetString() == "open_meteo");
        Assert.False(openMeteo.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, openMeteo.GetProperty("nextRunAt").ValueKind);
        var rateLimited = connectors.Single(c => c.GetProperty("name").GetString() == "rate_limited_api");
        Assert.Equal(3, rateLimited.GetProperty("retry").GetProperty("maxAttempts").GetInt32());
        var authFailing = connectors.Single(c => c.GetProperty("name").GetString() == "auth_failing_api");
        Assert.StartsWith("cron", authFailing.GetProperty("schedule").GetString());
        Assert.All(connectors.Where(c => names.Contains(c.GetProperty("name").GetString()) && c.GetProperty("name").GetString() is "good_api" or "open_meteo"),
            c => Assert.Equal("configuration", c.GetProperty("origin").GetString()));
    }

    [Fact]
    public async Task AConnectorCreatedThroughTheGatewayRunsOnItsScheduleAndIsDeletedWithItsHistoryKept()
    {
        var name = $"made_{Guid.NewGuid():N}"[..16];
        using var created = await system.Gateway.PutAsJsonAsync($"/api/connectors/{name}",
            new { kind = "good_api", interval = "00:00:02", owner = "team-e2e", tags = new[] { "e2e" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // Its first slot is now; the run reaches the run history like any other.
        var runs = await Poll.UntilAsync(
            () => system.Gateway.GetFromJsonAsync<JsonElement>($"/api/runs?connector={name}"),
            page => page.GetProperty("items").GetArrayLength() >= 2,
            page => $"two runs of {name} in the history (saw {page.GetProperty("items").GetArrayLength()})");
        Assert.All(runs.GetProperty("items").EnumerateArray(), r => Assert.Equal("scheduled", r.GetProperty("source").GetString()));

        using var paused = await system.Gateway.PatchAsJsonAsync($"/api/connectors/{name}", new { enabled = false });
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        using var deleted = await system.Gateway.DeleteAsync($"/api/connectors/{name}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await system.Gateway.GetAsync($"/api/connectors/{name}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var kept = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/runs?connector={name}");
        Assert.True(kept.GetProperty("items").GetArrayLength() >= 2);
    }

    [Fact]
    public async Task AReportThePipelineCannotCarryIsRefusedAndARunReportedRightAfterItIsStoredWithinSeconds()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"d\":", 63)) + "1" + new string('}', 63);
        var deepReport = JsonSerializer.Serialize(Report(Guid.NewGuid())).Replace(
            "\"payload\":{\"rows\":1200,\"table\":\"orders\"}", "\"payload\":" + deep, StringComparison.Ordinal);
        var huge = JsonSerializer.Serialize(Report(Guid.NewGuid())).Replace(
            "\"table\":\"orders\"", "\"table\":\"" + new string('x', 17 * 1024 * 1024) + "\"", StringComparison.Ordinal);

        var refusedDeep = await system.Gateway.PostAsync("/api/runs", new StringContent(deepReport, System.Text.Encoding.UTF8, "application/json"));
        // As curl does for large bodies: ask first, so the refusal arrives before 17 MB are sent.
        using var hugeRequest = new HttpRequestMessage(HttpMethod.Post, "/api/runs")
        {
            Content = new StringContent(huge, System.Text.Encoding.UTF8, "application/json"),
        };
        hugeRequest.Headers.ExpectContinue = true;
        var refusedHuge = await system.Gateway.SendAsync(hugeRequest);
        var runId = Guid.NewGuid();
        var accepted = await system.Gateway.PostAsJsonAsync("/api/runs", Report(runId));

        Assert.Equal(HttpStatusCode.BadRequest, refusedDeep.StatusCode);
        Assert.Equal("application/problem+json", refusedDeep.Content.Headers.ContentType?.MediaType);
        var errors = (await refusedDeep.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains(errors.EnumerateObject(), e => e.Name.StartsWith("payload.d.d", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refusedHuge.StatusCode);
        Assert.Equal("application/problem+json", refusedHuge.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await GatewayCalls.UntilFoundAsync(system.Gateway, $"/api/runs/{runId}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"The run took {stopwatch.Elapsed} to reach the run history.");
    }
}
