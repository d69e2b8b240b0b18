using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Dashboard.Apis;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics.Apis;
using ConnectorHealth.Metrics.Status;

namespace ConnectorHealth.IntegrationTests.Metrics;

// GET /api/kpis/connectors a page at a time, and GET /api/kpis/daily for the connectors of one page, over a fleet
// whose every connector's state is known from how its runs were made.
[Collection(PostgresCollection.Name)]
public sealed class StatusBoardPagingTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);
    private static readonly string[] States = ["failing", "stale", "degraded", "healthy"];
    private static readonly string[] Prefixes = ["crm", "billing", "ads", "hr-crm-sync"];

    // The fleet: each connector's state, owner and whether it carries the tag, as its runs make them.
    private sealed record Connector(string Name, string State, string Owner, bool Tagged);

    private static List<Connector> Fleet(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count)
            .Select(i => new Connector(
                $"{Prefixes[random.Next(Prefixes.Length)]}-{i:D4}",
                // Mostly healthy, as a real fleet is.
                random.Next(10) switch { 0 => "failing", 1 => "stale", 2 => "degraded", _ => "healthy" },
                random.Next(3) == 0 ? "team-a" : "team-b",
                random.Next(4) == 0))
            // Stored in an order that is neither the board's nor the names'.
            .OrderBy(_ => random.Next())];
    }

    private static IEnumerable<RunCompleted> RunsOf(Connector connector)
    {
        RunCompleted Run(DateTimeOffset at, RunStatus status = RunStatus.Succeeded) =>
            TestRuns.Run(connector.Name, at, status, latencyMs: 100, expectedInterval: Interval)
                with { Owner = connector.Owner, Tags = connector.Tagged ? ["tier:1"] : ["tier:2"] };
        return connector.State switch
        {
            // Three failures in a row after a success.
            "failing" => [Run(Now.AddMinutes(-40)), Run(Now.AddMinutes(-30), RunStatus.Failed), Run(Now.AddMinutes(-20), RunStatus.Failed), Run(Now.AddMinutes(-10), RunStatus.Failed)],
            // Its only success three hours ago, on a ten-minute schedule.
            "stale" => [Run(Now.AddHours(-3))],
            // The last run failed, one failure is not yet failing.
            "degraded" => [Run(Now.AddMinutes(-20)), Run(Now.AddMinutes(-10), RunStatus.Failed)],
            _ => [Run(Now.AddMinutes(-20)), Run(Now.AddMinutes(-10))],
        };
    }

    // The board's order: worst state first, then by name.
    private static List<string> WorstFirst(IEnumerable<Connector> connectors) =>
        [.. connectors.OrderBy(c => Array.IndexOf(States, c.State)).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Name)];

    private static Dictionary<string, int> CountsOf(IEnumerable<Connector> connectors) =>
        States.ToDictionary(s => s, s => connectors.Count(c => c.State == s));

    private static async Task<(MetricsDatabase Db, List<Connector> Fleet)> SeedAsync(PostgresServer postgres, int count)
    {
        var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var fleet = Fleet(count, seed: 20260310);
        await db.StoreAsync([.. fleet.SelectMany(RunsOf)]);
        return (db, fleet);
    }

    // Every page from the first, following cursors; each page's total and counts are checked to be the same.
    private static async Task<(List<JsonElement> Items, List<JsonElement> Pages)> AllPagesAsync(HttpClient client, string query)
    {
        var items = new List<JsonElement>();
        var pages = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var separator = query.Length == 0 ? "" : "&";
            var page = await client.GetFromJsonAsync<JsonElement>(
                $"/api/kpis/connectors?{query}{(cursor is null ? "" : $"{separator}cursor={Uri.EscapeDataString(cursor)}")}");
            pages.Add(page);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("cursor").GetString();
            Assert.True(pages.Count < 1000, "the cursors never ended");
        }
        while (cursor is not null);
        return (items, pages);
    }

    private static List<string?> Names(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("connector").GetString())];

    private static Dictionary<string, int> Counts(JsonElement page) =>
        page.GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());

    [Fact]
    public async Task PagingThroughMoreConnectorsThanOnePageReturnsEachOnceWorstFirstWithTheTotalAndTheCountsPerState()
    {
        var (db, fleet) = await SeedAsync(postgres, 260);
        await using var _ = db;
        await using var api = db.App();
        // Every state is there, or the order would prove little.
        Assert.All(States, s => Assert.Contains(fleet, c => c.State == s));

        var (items, pages) = await AllPagesAsync(api.Client, "limit=37");

        Assert.Equal(WorstFirst(fleet), items.Select(i => i.GetProperty("connector").GetString()));
        Assert.Equal(fleet.ToDictionary(c => c.Name, c => c.State), items.ToDictionary(i => i.GetProperty("connector").GetString()!, i => i.GetProperty("state").GetString()!));
        Assert.Equal(8, pages.Count);
        Assert.All(pages.Take(pages.Count - 1), p => Assert.Equal(37, p.GetProperty("items").GetArrayLength()));
        Assert.All(pages, p => Assert.Equal(260, p.GetProperty("total").GetInt32()));
        Assert.All(pages, p => Assert.Equal(CountsOf(fleet), Counts(p)));
        Assert.All(pages, p => Assert.Equal(Now, p.GetProperty("asOf").GetDateTimeOffset()));
        Assert.Equal(JsonValueKind.Null, pages[^1].GetProperty("cursor").ValueKind);
        // Back a page from each page is the page before it; the first has none.
        Assert.Equal(JsonValueKind.Null, pages[0].GetProperty("previousCursor").ValueKind);
        for (var i = 1; i < pages.Count; i++)
        {
            var back = await api.Client.GetFromJsonAsync<JsonElement>(
                $"/api/kpis/connectors?limit=37&cursor={Uri.EscapeDataString(pages[i].GetProperty("previousCursor").GetString()!)}");
            Assert.Equal(Names(pages[i - 1]), Names(back));
        }
        // Each connector on a page has its 24 h figures, p95 latency included.
        Assert.All(items, i => Assert.InRange(i.GetProperty("p95LatencyMs24h").GetDouble(), 95, 100));

        // The default page is 100.
        var first = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/connectors");
        Assert.Equal(WorstFirst(fleet).Take(100), first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("connector").GetString()));
        Assert.Equal(JsonValueKind.String, first.GetProperty("cursor").ValueKind);
    }

    [Fact]
    public async Task TheStateSearchOwnerTagAndConnectorFiltersCombineAndTheCountsIgnoreOnlyTheState()
    {
        var (db, fleet) = await SeedAsync(postgres, 200);
        await using var _ = db;
        await using var api = db.App();

        foreach (var state in States)
        {
            var (items, pages) = await AllPagesAsync(api.Client, $"state={state}&limit=13");
            var expected = fleet.Where(c => c.State == state).ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(WorstFirst(expected), items.Select(i => i.GetProperty("connector").GetString()));
            Assert.Equal(expected.Count, pages[0].GetProperty("total").GetInt32());
            Assert.Equal(CountsOf(fleet), Counts(pages[0]));
        }

        // Part of the name, in any case: "CRM" finds crm-… and hr-crm-sync-… alike.
        {
            var (items, pages) = await AllPagesAsync(api.Client, "search=CRM&limit=50");
            var expected = fleet.Where(c => c.Name.Contains("crm", StringComparison.Ordinal)).ToList();
            Assert.Contains(expected, c => c.Name.StartsWith("hr-crm-sync", StringComparison.Ordinal));
            Assert.Equal(WorstFirst(expected), items.Select(i => i.GetProperty("connector").GetString()));
            Assert.Equal(expected.Count, pages[0].GetProperty("total").GetInt32());
            Assert.Equal(CountsOf(expected), Counts(pages[0]));
        }

        // Owner, tag, search and state at once: counts over the owner, tag and search, total over all four.
        {
            var (items, pages) = await AllPagesAsync(api.Client, "owner=team-a&tag=tier:1&search=-01&state=healthy&limit=5");
            var labelled = fleet.Where(c => c.Owner == "team-a" && c.Tagged && c.Name.Contains("-01", StringComparison.Ordinal)).ToList();
            var expected = labelled.Where(c => c.State == "healthy").ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(WorstFirst(expected), items.Select(i => i.GetProperty("connector").GetString()));
            Assert.Equal(expected.Count, pages[0].GetProperty("total").GetInt32());
            Assert.Equal(CountsOf(labelled), Counts(pages[0]));
        }

        // One connector by its exact name, not every name that holds it.
        var one = fleet[0];
        var exact = await api.Client.GetFromJsonAsync<JsonElement>($"/api/kpis/connectors?connector={one.Name}");
        Assert.Equal([one.Name], exact.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("connector").GetString()));

        // Nothing matches: an empty last page.
        var none = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/connectors?search=nothing-like-it");
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
        Assert.Equal(0, none.GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Null, none.GetProperty("cursor").ValueKind);
        Assert.All(Counts(none).Values, n => Assert.Equal(0, n));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("state=broken", "state")]
    [InlineData("state=Failing", "state")]
    [InlineData("tag=Not%20A%20Tag", "tag")]
    [InlineData("connector=Not%20A%20Name", "connector")]
    public async Task ABadParameterIsAValidationProblemNamingIt(string query, string parameter)
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        await using var api = db.App();

        using var response = await api.Client.GetAsync($"/api/kpis/connectors?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([parameter], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task ASearchLongerThanANameIsAValidationProblem()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        await using var api = db.App();

        using var response = await api.Client.GetAsync($"/api/kpis/connectors?search={new string('a', 101)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("search", out _));
    }

    [Fact]
    public async Task DailyKpisOfTheConnectorsOfOnePageAreAskedForTogether()
    {
        var (db, fleet) = await SeedAsync(postgres, 60);
        await using var _ = db;
        await using var api = db.App();
        var page = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/connectors?limit=25");
        var shown = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("connector").GetString()!).ToList();

        var daily = await api.Client.GetFromJsonAsync<JsonElement>($"/api/kpis/daily?connector={string.Join(",", shown)}&from=2026-03-01&to=2026-03-10");
        var all = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily?from=2026-03-01&to=2026-03-10");

        var items = daily.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(shown.Order(StringComparer.Ordinal), items.Select(i => i.GetProperty("connector").GetString()).Distinct().Order(StringComparer.Ordinal));
        // The same figures as the report over every connector, newest day first, then by connector.
        var everyone = all.GetProperty("items").EnumerateArray().Where(i => shown.Contains(i.GetProperty("connector").GetString()!)).ToList();
        Assert.Equal(everyone.Select(i => i.GetRawText()), items.Select(i => i.GetRawText()));
        Assert.Equal(fleet.Count, all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("connector").GetString()).Distinct().Count());
    }

    [Theory]
    [InlineData("connector=crm,,ads")]
    [InlineData("connector=crm,Bad")]
    [InlineData("connector=crm,")]
    public async Task DailyKpisRefuseAListWithANameNoConnectorCanHave(string query)
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        await using var api = db.App();

        using var response = await api.Client.GetAsync($"/api/kpis/daily?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["connector"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task DailyKpisTakeAtMostTwoHundredConnectorsAtOnce()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        await using var api = db.App();
        string Names(int count) => string.Join(",", Enumerable.Range(0, count).Select(i => $"c{i}"));

        using var most = await api.Client.GetAsync($"/api/kpis/daily?connector={Names(200)}");
        using var tooMany = await api.Client.GetAsync($"/api/kpis/daily?connector={Names(201)}");
        // A name given twice counts once.
        using var repeated = await api.Client.GetAsync($"/api/kpis/daily?connector={Names(200)},c0");

        Assert.Equal(HttpStatusCode.OK, most.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        var problem = await tooMany.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["connector"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task TheWebUiAsksForTheSparklinesOfAPageOfLongNamesInRequestsTheServiceTakes()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        // 100 names of 100 characters: one request would be over 10 KB, past the 8 KiB every service and the gateway take.
        var names = Enumerable.Range(0, 100).Select(i => $"{i:D3}-{new string('x', RunDefinition.MaxConnectorLength - 4)}").ToList();
        await db.StoreAsync([.. names.Select(n => TestRuns.Run(n, Now.AddHours(-1))), TestRuns.Run("not-on-the-page", Now.AddHours(-1))]);
        await using var api = db.App();
        var metrics = new ConnectorHealth.Dashboard.Apis.Metrics.MetricsClient(api.Client);

        var report = await metrics.DailyKpisOfAsync(names, new DateOnly(2026, 3, 1), CancellationToken.None);
        var board = await metrics.StatusBoardAsync(new BoardFilter(Search: "X", State: "healthy"), 60, null, CancellationToken.None);
        var rest = await metrics.StatusBoardAsync(new BoardFilter(Search: "X", State: "healthy"), 60, board.Cursor, CancellationToken.None);

        Assert.Equal(names, report.Items.Select(d => d.Connector));
        Assert.All(report.Items, d => Assert.Equal((new DateOnly(2026, 3, 10), 1), (d.Day, d.Runs)));
        Assert.Equal((60, 100, 100), (board.Items.Count, board.Total, board.Counts.Healthy));
        Assert.Equal(names, board.Items.Concat(rest.Items).Select(s => s.Connector));
        Assert.Null(rest.Cursor);
    }

    [Fact]
    public void TheWebUiOffersTheStatusBoardsStatesAndLimit()
    {
        Assert.Equal(StatusLevels.Names, BoardFilter.States);
        Assert.Equal(KpisApi.MaxBoardLimit, BoardFilter.MaxLimit);
    }
}
