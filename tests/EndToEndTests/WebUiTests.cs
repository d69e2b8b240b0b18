using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Playwright;

namespace ConnectorHealth.EndToEndTests;

/// <summary>The web UI in a real browser: Debian's Chromium driven by Playwright.</summary>
[Collection(SystemCollection.Name)]
public sealed class WebUiTests(ConnectorHealthApp system) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(WebUiBrowser.Options);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private Uri WebUi(string path) => new(system.App.GetEndpoint(ResourceNames.WebUi, "http"), path);

    private Uri ViewerWebUi(string path) => new(system.App.GetEndpoint(ConnectorHealthApp.ViewerWebUi, "http"), path);

    /// <summary>Where each page's screenshot goes (SCREENSHOT_DIR, else TestResults/screenshots beside the test run).</summary>
    public static readonly string ScreenshotDirectory = Environment.GetEnvironmentVariable("SCREENSHOT_DIR") is { Length: > 0 } configured
        ? configured
        : Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 1_000, $"The screenshot {path} is empty.");
    }

    private async Task<IPage> NewPageAsync()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        // Anything a page runs that it should not (markup from data turned into script) fails the test that opened it.
        await page.AddInitScriptAsync("window.__injected = [];");
        return page;
    }

    /// <summary>Reports a run through the gateway as an outside pipeline would, and returns its id.</summary>
    private async Task<Guid> ReportRunAsync(
        string connector, string status, object? payload = null, string? errorType = null, string? errorMessage = null, string? owner = null,
        string[]? tags = null)
    {
        var runId = Guid.CreateVersion7();
        var report = JsonSerializer.Serialize(new
        {
            runId,
            connector,
            status,
            owner,
            tags,
            startedAt = DateTimeOffset.UtcNow.AddSeconds(-2),
            finishedAt = DateTimeOffset.UtcNow.AddSeconds(-1),
            errorType,
            errorMessage,
            payload,
            attempts = new[]
            {
                new { number = 1, startedAt = DateTimeOffset.UtcNow.AddSeconds(-2), durationMs = 400.0, outcome = status == "succeeded" ? "succeeded" : "failed", httpStatus = status == "succeeded" ? 200 : 500, errorType, errorMessage },
            },
        });
        using var accepted = await system.Gateway.PostAsync("/api/runs", new StringContent(report, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        return runId;
    }

    /// <summary>Three failed runs in a row, reported: the connector's consecutive-failures alert, raised by the pipeline.</summary>
    private async Task FailThreeTimesAsync(string connector, string? owner = null, string[]? tags = null)
    {
        for (var i = 0; i < 3; i++)
        {
            await ReportRunAsync(connector, "failed", errorType: "http_5xx", errorMessage: "upstream answered 503", owner: owner, tags: tags);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task TheRunsPageListsRunsReadThroughTheGateway()
    {
        var page = await NewPageAsync();

        // The first scheduled run may still be on its way: reload until the table shows it.
        var rows = page.Locator("[data-testid=runs] tbody tr");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi("/runs").ToString());
            return await rows.CountAsync() > 0;
        }, "the runs table to show a run");

        Assert.Equal("Runs · ConnectorHealth", await page.TitleAsync());
        var statuses = await rows.Locator(".status").AllInnerTextsAsync();
        Assert.All(statuses, s => Assert.Contains(s, new[] { "succeeded", "failed", "aborted", "running" }));
        // good_api always succeeds; the page shows what the API holds, newest first. Other tests report many runs at once,
        // so its runs are looked for with the page's own connector filter.
        await page.GotoAsync(WebUi("/runs?connector=good_api").ToString());
        var goodApi = rows.Filter(new LocatorFilterOptions { HasText = "good_api" }).First;
        Assert.Equal("succeeded", await goodApi.Locator(".status").InnerTextAsync());
        await ScreenshotAsync(page, "runs");
    }

    [Fact]
    public async Task TheOverviewShowsGoodApiHealthyAndLinksToItsPageWithChartsAndSchemaHistory()
    {
        var page = await NewPageAsync();

        // good_api always succeeds: once its runs are counted, its tile says healthy. The board is paged worst first, so
        // the name search finds it whatever else the fleet holds.
        var tile = page.Locator("[data-testid='tile-good_api']");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi("/?search=good_api").ToString());
            // The live island reads the board again once it starts: look at what it shows then.
            await page.Locator("[data-testid='overview'][data-live='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            return await tile.CountAsync() == 1 && await tile.GetAttributeAsync("data-state") == "healthy";
        }, "the good_api tile to show healthy");
        Assert.Equal("Overview · ConnectorHealth", await page.TitleAsync());
        Assert.Equal("good_api", await page.Locator("[data-testid='overview-search']").InputValueAsync());
        Assert.Equal("1", await page.Locator("[data-testid='state-chip-healthy']").GetAttributeAsync("data-count"));
        Assert.Equal("healthy", await tile.Locator(".state").InnerTextAsync());
        await ScreenshotAsync(page, "overview");

        await tile.Locator("a[href='/connectors/good_api']").ClickAsync();
        await page.WaitForURLAsync("**/connectors/good_api");
        await page.Locator("[data-testid='schema']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await Poll.UntilAsync(async () => await page.TitleAsync() == "good_api · ConnectorHealth", "the connector page's title");

        // The day's KPIs and the first schema version arrive through the pipeline: reload until both are there.
        var charts = page.Locator("[data-testid='chart-runs'] svg, [data-testid='chart-runs'] canvas");
        var versionOne = page.Locator("[data-testid='schema-versions'] tr[data-version='1']");
        await Poll.UntilAsync(async () =>
        {
            await page.ReloadAsync();
            return await charts.CountAsync() > 0 && await versionOne.CountAsync() == 1;
        }, "good_api's charts and schema version 1");
        foreach (var chart in new[] { "chart-latency", "chart-success", "chart-attempts", "chart-rate-limited" })
        {
            Assert.True(await page.Locator($"[data-testid='{chart}'] svg").CountAsync() > 0, $"{chart} has no chart.");
        }
        Assert.Contains("v1", await versionOne.InnerTextAsync(), StringComparison.Ordinal);
        // An operator's web UI offers run now.
        Assert.Equal("operator", await page.Locator("[data-testid='role']").GetAttributeAsync("data-role"));
        Assert.Equal(1, await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Run now" }).CountAsync());
        await ScreenshotAsync(page, "connector");
    }

    [Fact]
    public async Task TheOverviewCountsEachStateFiltersByAStateChipAndANameAndPagesInTheAddress()
    {
        // More connectors of one name than a page of tiles holds (48): 50 healthy, 2 failing.
        var prefix = $"ov-{Guid.NewGuid():N}"[..11];
        for (var i = 0; i < 50; i++)
        {
            await ReportRunAsync($"{prefix}-ok-{i:D2}", "succeeded");
        }
        await FailThreeTimesAsync($"{prefix}-bad-1");
        await FailThreeTimesAsync($"{prefix}-bad-2");

        var page = await NewPageAsync();
        var live = page.Locator("[data-testid='overview'][data-live='true']");
        var tiles = page.Locator("[data-testid^='tile-']").Filter(new LocatorFilterOptions { HasText = prefix });
        // Each link loads a new page whose live island reads its tiles again: a page counts once it is live.
        async Task<int> LiveTilesAsync() => await live.CountAsync() == 1 ? await tiles.CountAsync() : -1;
        async Task<string[]> TileAsync(string property) => await tiles.EvaluateAllAsync<string[]>($"ts => ts.map(t => t.dataset.{property})");

        // The runs reach the board through the pipeline: reload until all 52 are judged. The search is any case.
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi($"/?search={prefix.ToUpperInvariant()}").ToString());
            await live.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            return await page.Locator("[data-testid='state-chip-all']").GetAttributeAsync("data-count") == "52"
                && await page.Locator("[data-testid='state-chip-failing']").GetAttributeAsync("data-count") == "2";
        }, "the overview to count the 52 connectors, 2 of them failing");

        // The counts per state, then the first page: worst first, a page of 48.
        Assert.Equal("50", await page.Locator("[data-testid='state-chip-healthy']").GetAttributeAsync("data-count"));
        Assert.Equal("0", await page.Locator("[data-testid='state-chip-stale']").GetAttributeAsync("data-count"));
        Assert.Equal("52", await page.Locator("[data-testid='overview-total']").GetAttributeAsync("data-total"));
        Assert.Equal(48, await LiveTilesAsync());
        Assert.Equal(["failing", "failing", "healthy"], (await TileAsync("state"))[..3]);
        Assert.Equal(0, await page.Locator("[data-testid='overview-previous']").CountAsync());
        await ScreenshotAsync(page, "overview-search");

        // Next page: its cursor in the address, the last 4 healthy tiles, and the way back.
        await page.Locator("[data-testid='overview-next']").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("cursor=", StringComparison.Ordinal));
        await Poll.UntilAsync(async () => await LiveTilesAsync() == 4, "the second page's 4 tiles");
        Assert.Equal(["healthy"], (await TileAsync("state")).Distinct());
        Assert.Equal(0, await page.Locator("[data-testid='overview-next']").CountAsync());
        await page.Locator("[data-testid='overview-previous']").ClickAsync();
        await Poll.UntilAsync(async () => await LiveTilesAsync() == 48, "the first page again");

        // A state chip is a link: only the failing ones, the search kept, the counts unchanged.
        await page.Locator("[data-testid='state-chip-failing']").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("state=failing", StringComparison.Ordinal));
        await Poll.UntilAsync(async () => await LiveTilesAsync() == 2, "only the 2 failing tiles");
        Assert.Equal([$"tile-{prefix}-bad-1", $"tile-{prefix}-bad-2"], await TileAsync("testid"));
        Assert.Equal("52", await page.Locator("[data-testid='state-chip-all']").GetAttributeAsync("data-count"));
        Assert.Equal(prefix, await page.Locator("[data-testid='overview-search']").InputValueAsync(), ignoreCase: true);
        Assert.Equal(0, await page.Locator("[data-testid='overview-next']").CountAsync());
        // The tiles stay live on the page in the address: the alert stream is connected on it.
        await page.Locator("[data-testid='overview'][data-live='true'][data-stream='connected']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Contains("state=failing", page.Url, StringComparison.Ordinal);

        // A search that matches nothing says so.
        await page.GotoAsync(WebUi($"/?search={prefix}-none").ToString());
        Assert.Equal(1, await page.Locator("[data-testid='overview-empty']").CountAsync());
    }

    [Fact]
    public async Task TheAlertsPageListsAlertsAndAnOperatorCanAcknowledgeOne()
    {
        // The auth-failing connector fails every run: three in a row is its alert.
        await GatewayCalls.RunNowAsync(system.Gateway, "auth_failing_api", 3);

        var page = await NewPageAsync();
        var rows = page.Locator("[data-testid='alerts'] tr[data-testid='alert']");
        var auth = rows.And(page.Locator("[data-connector='auth_failing_api'][data-rule='consecutive_failures']")).First;
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi("/alerts").ToString());
            return await auth.CountAsync() > 0;
        }, "the alerts page to show auth_failing_api's consecutive_failures alert", TimeSpan.FromSeconds(120));
        Assert.Equal("Alerts · ConnectorHealth", await page.TitleAsync());
        Assert.Contains("credential", await auth.InnerTextAsync(), StringComparison.OrdinalIgnoreCase);

        // The buttons work once the page's live connection is up.
        await page.Locator("[data-testid='alerts'][data-live='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        var acknowledge = new LocatorFilterOptions { Has = page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Acknowledge" }) };
        // Another test may have acknowledged this alert already: then any firing alert will do.
        var target = await auth.Filter(acknowledge).CountAsync() > 0 ? auth : rows.Filter(acknowledge).First;
        var id = await target.GetAttributeAsync("data-alert-id");
        Assert.NotNull(id);
        await target.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Acknowledge" }).ClickAsync();

        var state = page.Locator($"tr[data-alert-id='{id}'] .state");
        await Poll.UntilAsync(async () => await state.InnerTextAsync() == "acknowledged", $"alert {id} to show acknowledged");
        Assert.Contains($"Alert {id}", await page.Locator("[data-testid='alert-action-result']").InnerTextAsync(), StringComparison.Ordinal);
        // The change is the system's, not the page's: the API says so too.
        var stored = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}");
        Assert.Equal("acknowledged", stored.GetProperty("alert").GetProperty("state").GetString());
        await ScreenshotAsync(page, "alerts");
    }

    [Fact]
    public async Task ANewAlertAppearsOnTheOpenAlertsPageWithinASecondWithoutAReload()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(WebUi("/alerts").ToString());
        // Interactive, and its alert stream open: from here on, an alert reaches the page by itself.
        await page.Locator("[data-testid='alerts'][data-live='true'][data-stream='connected']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        // A reload would forget this.
        await page.EvaluateAsync("window.__sameDocument = true");

        // Three failed runs in a row of a connector of its own: its consecutive-failures alert, raised by the pipeline.
        var connector = $"ui_live_{Guid.NewGuid():N}"[..16];
        await FailThreeTimesAsync(connector);
        var alert = await Poll.UntilAsync(async () =>
        {
            var alerts = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={connector}&rule=consecutive_failures");
            return alerts.GetProperty("items").EnumerateArray().Select(a => (JsonElement?)a).FirstOrDefault();
        }, found => found is not null, _ => $"{connector}'s consecutive-failures alert", interval: TimeSpan.FromMilliseconds(50));

        // Within a second of the API having it, the open page lists it: the stream told it, nobody reloaded.
        var id = alert!.Value.GetProperty("alertId").GetInt64();
        var row = page.Locator($"[data-testid='alerts'] tr[data-testid='alert'][data-alert-id='{id}']");
        await row.WaitForAsync(new LocatorWaitForOptions { Timeout = 1_000 });
        Assert.Equal(connector, await row.GetAttributeAsync("data-connector"));
        Assert.Equal("firing", await row.Locator(".state").InnerTextAsync());
        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "The alerts page was reloaded.");
        await ScreenshotAsync(page, "alerts-live");
    }

    [Fact]
    public async Task AnOperatorFindsAnAlertByItsOwnerAndJudgesItAndTheConnectorsPageCountsTheJudgement()
    {
        // The pipeline says who owns the connector; its failure streak is an alert of that owner's.
        var connector = $"ui_owned_{Guid.NewGuid():N}"[..17];
        var owner = $"team-{Guid.NewGuid():N}"[..13];
        await FailThreeTimesAsync(connector, owner, ["pii"]);
        var page = await NewPageAsync();
        var row = page.Locator($"[data-testid='alerts'] tr[data-testid='alert'][data-connector='{connector}']");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi($"/alerts?owner={owner}&tag=pii").ToString());
            return await row.CountAsync() == 1;
        }, "the owner's alert on the filtered alerts page");
        Assert.Equal(owner, await row.Locator("[data-testid='alert-owner']").InnerTextAsync());

        await row.Locator("[data-testid='alert-link']").ClickAsync();
        await page.Locator("[data-testid='alert-actions'][data-live='true']").WaitForAsync();
        await page.Locator("[data-testid='judge-verdict']").SelectOptionAsync("false_positive");
        await page.Locator("[data-testid='judge-by']").FillAsync("dana");
        await page.Locator("[data-testid='judge-note']").FillAsync("the upstream was being redeployed");
        await page.Locator("[data-testid='judge']").ClickAsync();
        var judged = page.Locator("dd[data-testid='alert-judged']");
        await judged.WaitForAsync();
        Assert.StartsWith("false positive by dana", await judged.InnerTextAsync(), StringComparison.Ordinal);

        // The list filters by the verdict, and the connector's page counts it.
        await page.GotoAsync(WebUi($"/alerts?feedback=false_positive&owner={owner}").ToString());
        await row.WaitForAsync();
        await page.GotoAsync(WebUi($"/connectors/{connector}").ToString());
        var counted = page.Locator("[data-testid='judgements'] tr[data-testid='judgement'][data-rule='consecutive_failures'] td");
        await counted.First.WaitForAsync();
        Assert.Equal(["consecutive_failures", "0", "1", "0", "0"], await counted.AllInnerTextsAsync());
        Assert.Empty(await page.EvaluateAsync<string[]>("window.__injected"));
    }

    [Fact]
    public async Task ARunsPageShowsItsAttemptsSchemaAndPayloadSampleAndItsErrorMessageAsText()
    {
        // An outside pipeline reports a failure whose message is markup: it must read as text and run nothing.
        var connector = $"ui_{Guid.NewGuid():N}"[..14];
        const string hostile = "<script>window.__injected.push('script')</script><img src=x onerror=\"window.__injected.push('img')\"><b>bold</b>";
        var sampled = await ReportRunAsync(connector, "succeeded", new { id = 7, note = "<i>not markup</i>", amount = 42.5 });
        var failed = await ReportRunAsync(connector, "failed", errorType: "upstream_error", errorMessage: hostile);

        var page = await NewPageAsync();
        var error = page.Locator("dd.bad");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi($"/runs/{failed}").ToString());
            return await error.CountAsync() == 1;
        }, "the failed run's page");
        Assert.Equal("Run · ConnectorHealth", await page.TitleAsync());
        Assert.Equal($"upstream_error: {hostile}", await error.InnerTextAsync());
        Assert.Equal(0, await page.Locator("dd.bad b, dd.bad img, dd.bad script").CountAsync());
        Assert.Equal(0, await page.EvaluateAsync<int>("window.__injected.length"));
        Assert.True(await page.Locator("[data-testid='attempts']").CountAsync() == 1);
        Assert.Equal("no_payload", await page.Locator("[data-testid='run-schema']").GetAttributeAsync("data-outcome"));
        await ScreenshotAsync(page, "run-failed");

        // The succeeded run first showed its connector's schema: its own payload is the sample, shown as text.
        var schema = page.Locator("[data-testid='run-schema'][data-version='1']");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi($"/runs/{sampled}").ToString());
            return await schema.CountAsync() == 1;
        }, "the succeeded run's schema version");
        Assert.Contains("first seen in this run", await schema.InnerTextAsync(), StringComparison.Ordinal);
        var payload = await page.Locator("[data-testid='payload']").InnerTextAsync();
        Assert.Contains("\"note\": \"<i>not markup</i>\"", payload, StringComparison.Ordinal);
        Assert.Contains("\"amount\": 42.5", payload, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("[data-testid='payload'] i").CountAsync());
        Assert.Equal(1, await page.Locator("[data-testid='attempts']").CountAsync());
        await ScreenshotAsync(page, "run");
    }

    [Fact]
    public async Task TheSchemaPagesShowADiffWithBreakingChangesAndAnOperatorQuarantinesAndReplaysARunFromThem()
    {
        var connector = $"ui_schema_{Guid.NewGuid():N}"[..18];
        await ReportRunAsync(connector, "succeeded", new { id = 1, email = "a@example.com" });
        await Task.Delay(50);
        // id turns from a number into text: breaking under the default (forward) mode, as under every other.
        await ReportRunAsync(connector, "succeeded", new { id = "A-1", email = "a@example.com" });

        var page = await NewPageAsync();
        var row = page.Locator($"[data-testid='schema-row'] a[href='/schemas/{connector}']");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi("/schemas").ToString());
            return await row.CountAsync() == 1;
        }, $"{connector} in the schema list");
        Assert.Equal("Schemas · ConnectorHealth", await page.TitleAsync());
        await ScreenshotAsync(page, "schemas");

        var idRow = page.Locator("[data-testid='diff-row'][data-path='$.id']");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi($"/schemas/{connector}").ToString());
            return await page.Locator("[data-testid='schema-versions'] tbody tr").CountAsync() == 2 && await idRow.CountAsync() == 1;
        }, $"{connector}'s two versions and their diff");
        Assert.Equal("true", await idRow.GetAttributeAsync("data-breaking"));
        Assert.Contains("breaking", await idRow.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("false", await page.Locator("[data-testid='diff-row'][data-path='$.email']").GetAttributeAsync("data-breaking"));
        await ScreenshotAsync(page, "schema-diff");

        // A contract from the page: id must be text. The next payload with a number id is held in quarantine.
        var editor = page.Locator("[data-testid='contract-editor'][data-live='true']");
        await editor.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await page.Locator("[data-testid='contract-schema']").FillAsync("""{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}""");
        await page.Locator("[data-testid='contract-policy-select']").SelectOptionAsync("quarantine");
        await page.Locator("[data-testid='contract-save']").ClickAsync();
        await page.Locator("[data-testid='contract-result'][data-ok='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        var contract = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/contracts/{connector}");
        Assert.Equal("quarantine", contract.GetProperty("policy").GetString());

        await ReportRunAsync(connector, "succeeded", new { id = 2, email = "b@example.com" });
        var held = page.Locator("[data-testid='quarantined'][data-status='held']");
        await Poll.UntilAsync(async () =>
        {
            await page.ReloadAsync();
            return await held.CountAsync() == 1;
        }, "the run that broke the contract to be held");
        await page.Locator("[data-testid='quarantine'][data-live='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Contains("/id", await held.Locator("[data-testid='violation']").First.GetAttributeAsync("data-pointer") ?? "", StringComparison.Ordinal);
        var quarantineId = await held.GetAttributeAsync("data-quarantine-id");

        // Replayed while the contract still refuses it: refused, with the reason.
        await held.Locator("[data-testid='replay']").ClickAsync();
        var result = page.Locator("[data-testid='replay-result']");
        await result.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Equal("refused", await result.GetAttributeAsync("data-outcome"));

        // The contract fixed (through the API), the same button releases it into the history.
        using var relaxed = await system.Gateway.PutAsJsonAsync($"/api/contracts/{connector}", new { policy = "quarantine", schema = new { type = "object", required = new[] { "id" } } });
        Assert.True(relaxed.IsSuccessStatusCode, $"PUT contract: {(int)relaxed.StatusCode}");
        await held.Locator("[data-testid='replay']").ClickAsync();
        await page.Locator("[data-testid='replay-result'][data-outcome='released']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        var released = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/quarantine/{quarantineId}");
        Assert.Equal("released", released.GetProperty("status").GetString());
        await ScreenshotAsync(page, "schema-quarantine");
    }

    [Fact]
    public async Task AnAlertsPageShowsItsOccurrencesAndAnOperatorSilencesAndExpiresFromTheUi()
    {
        // Three failed runs in a row of a connector of its own: its consecutive-failures alert.
        var connector = $"ui_alert_{Guid.NewGuid():N}"[..17];
        await FailThreeTimesAsync(connector);
        var alert = await Poll.UntilAsync(async () =>
        {
            var alerts = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={connector}&rule=consecutive_failures");
            return alerts.GetProperty("items").EnumerateArray().Select(a => (JsonElement?)a).FirstOrDefault();
        }, $"{connector}'s consecutive-failures alert");
        var id = alert.GetProperty("alertId").GetInt64();

        var page = await NewPageAsync();
        await page.GotoAsync(WebUi($"/alerts/{id}").ToString());
        Assert.Equal($"Alert {id} · ConnectorHealth", await page.TitleAsync());
        var detail = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}");
        var occurrences = page.Locator("[data-testid='occurrences'] [data-testid='occurrence']");
        Assert.Equal(Math.Min(50, detail.GetProperty("occurrences").GetArrayLength()), await occurrences.CountAsync());
        Assert.True(await occurrences.CountAsync() > 0);
        Assert.Equal(1, await page.Locator("[data-testid='notifications']").CountAsync());

        // Silence it from its page: the silence is the system's, as the API shows.
        var actions = page.Locator("[data-testid='alert-actions'][data-live='true']");
        await actions.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await actions.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Silence" }).First.ClickAsync();
        var form = page.Locator("[data-testid='silence-form']");
        await form.Locator("[name='author']").FillAsync("e2e browser");
        await form.Locator("[name='comment']").FillAsync("maintenance <b>window</b>");
        await form.Locator("button[type='submit']").ClickAsync();
        await page.Locator("[data-testid='silence-result']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        var silences = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/silences");
        var silence = silences.GetProperty("items").EnumerateArray().Single(s => s.TryGetProperty("connector", out var c) && c.GetString() == connector);
        Assert.Equal("maintenance <b>window</b>", silence.GetProperty("comment").GetString());
        await ScreenshotAsync(page, "alert");

        // The alerts page lists it (its comment as text) and expires it.
        var row = page.Locator($"[data-testid='silences'] tr[data-testid='silence'][data-connector='{connector}']");
        await page.GotoAsync(WebUi("/alerts").ToString());
        await page.Locator("[data-testid='alerts'][data-live='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Contains("maintenance <b>window</b>", await row.InnerTextAsync(), StringComparison.Ordinal);
        await ScreenshotAsync(page, "alerts-silences");
        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Expire" }).ClickAsync();
        await Poll.UntilAsync(async () => await row.CountAsync() == 0, "the expired silence to leave the list");
        var after = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/silences");
        Assert.DoesNotContain(after.GetProperty("items").EnumerateArray(), s => s.TryGetProperty("connector", out var c) && c.GetString() == connector);
    }

    [Fact]
    public async Task TheKpisPageShowsTheDailyTableChartsAndTopFailureReasons()
    {
        // A failure of a reason of its own, so the range has at least one.
        await ReportRunAsync($"ui_kpi_{Guid.NewGuid():N}"[..15], "failed", errorType: "schema_error", errorMessage: "no such column");
        var page = await NewPageAsync();
        var days = page.Locator("[data-testid='kpi-daily'] [data-testid='kpi-day']");
        var reasons = page.Locator("[data-testid='chart-failure-reasons'] svg");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi("/kpis").ToString());
            return await days.CountAsync() > 0 && await reasons.CountAsync() > 0;
        }, "the KPI table and the failure reasons chart");
        Assert.Equal("KPIs · ConnectorHealth", await page.TitleAsync());
        Assert.InRange(await days.CountAsync(), 1, 100);
        Assert.True(await page.Locator("[data-testid='chart-runs-total'] svg").CountAsync() > 0);
        Assert.True(await page.Locator("[data-testid='chart-success-total'] svg").CountAsync() > 0);
        await ScreenshotAsync(page, "kpis");

        // One connector: its latency too.
        await page.GotoAsync(WebUi("/kpis?connector=good_api").ToString());
        Assert.True(await page.Locator("[data-testid='chart-latency'] svg").CountAsync() > 0);
        Assert.DoesNotContain(await days.AllInnerTextsAsync(), d => !d.Contains("good_api", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/runs")]
    [InlineData("/runs/01a22000-0000-7000-8000-000000000000")]
    [InlineData("/connectors/good_api")]
    [InlineData("/alerts")]
    [InlineData("/alerts/1")]
    [InlineData("/schemas")]
    [InlineData("/schemas/good_api")]
    [InlineData("/kpis")]
    public async Task WhenTheGatewayIsDownEachPageSaysSoRatherThanFailing(string path)
    {
        var page = await NewPageAsync();
        var response = await page.GotoAsync(new Uri(system.App.GetEndpoint(ConnectorHealthApp.UnreachableGatewayWebUi, "http"), path).ToString());
        Assert.Equal(200, response!.Status);
        var notAvailable = page.Locator("[data-testid='not-available']");
        Assert.True(await notAvailable.CountAsync() > 0, $"{path} does not say what is not available.");
        Assert.Contains("not available", await notAvailable.First.InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        // Read-only while the gateway cannot say what the key may do.
        Assert.Equal("unknown", await page.Locator("[data-testid='role']").GetAttributeAsync("data-role"));
        if (path == "/")
        {
            await ScreenshotAsync(page, "overview-gateway-down");
        }
    }

    /// <summary>Opens the operator's connector list and waits until its live island shows the page it read itself.</summary>
    private static async Task OpenLiveListAsync(IPage page, Uri url)
    {
        await page.GotoAsync(url.ToString());
        await page.Locator("[data-testid='connector-board'][data-live='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
    }

    [Fact]
    public async Task AnOperatorCreatesFindsPausesEditsAndDeletesAConnectorFromTheConnectorsPage()
    {
        var connector = $"ui_conn_{Guid.NewGuid():N}"[..20];
        var page = await NewPageAsync();
        await page.GotoAsync(WebUi("/connectors").ToString());
        Assert.Equal("Connectors · ConnectorHealth", await page.TitleAsync());
        // Configuration's connectors are listed too, and offer pause and resume only.
        var goodApi = page.Locator("[data-testid='connector-row'][data-name='good_api']");
        await OpenLiveListAsync(page, WebUi("/connectors?search=good_api"));
        Assert.Equal("configuration", await goodApi.GetAttributeAsync("data-origin"));
        await goodApi.Locator("[data-testid='connector-actions'][data-live='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Equal(0, await goodApi.Locator("[data-testid='connector-edit'], [data-testid='connector-delete']").CountAsync());

        // Created through the form: a value the API refuses is shown beside its field, and nothing is created.
        await page.GotoAsync(WebUi("/connectors").ToString());
        await page.Locator("[data-testid='connector-new']").ClickAsync();
        await page.WaitForURLAsync("**/new-connector");
        var form = page.Locator("[data-testid='connector-form'][data-live='true']");
        await form.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await page.Locator("[data-testid='connector-name']").FillAsync(connector);
        await page.Locator("[data-testid='connector-kind']").SelectOptionAsync("good_api");
        await page.Locator("[data-testid='connector-interval']").FillAsync("00:00:00");
        await page.Locator("[data-testid='connector-owner']").FillAsync("team-ui");
        await page.Locator("[data-testid='connector-tags']").FillAsync("ui, tier:3");
        await page.Locator("[data-testid='connector-save']").ClickAsync();
        await page.Locator("[data-testid='connector-result'][data-ok='false']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Contains("Interval", await page.Locator("[data-testid='field-error'][data-field='interval']").InnerTextAsync(), StringComparison.Ordinal);
        using (var absent = await system.Gateway.GetAsync($"/api/connectors/{connector}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        }

        await page.Locator("[data-testid='connector-interval']").FillAsync("00:10:00");
        await page.Locator("[data-testid='connector-save']").ClickAsync();
        await page.Locator("[data-testid='connector-result'][data-ok='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Equal(0, await page.Locator("[data-testid='field-error']").CountAsync());
        var created = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/connectors/{connector}");
        Assert.Equal("api", created.GetProperty("origin").GetString());
        Assert.Equal("good_api", created.GetProperty("kind").GetString());
        Assert.Equal("00:10:00", created.GetProperty("interval").GetString());
        Assert.Equal("team-ui", created.GetProperty("owner").GetString());
        Assert.Equal(["ui", "tier:3"], created.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!));
        await ScreenshotAsync(page, "connector-created");

        // Found by the search filter, which stays in the address; paused from its row.
        var listed = $"/connectors?search={connector}";
        await OpenLiveListAsync(page, WebUi(listed));
        Assert.Equal(connector, await page.Locator("[data-testid='connector-search']").InputValueAsync());
        var rows = page.Locator("[data-testid='connector-row']");
        Assert.Equal(1, await rows.CountAsync());
        var row = page.Locator($"[data-testid='connector-row'][data-name='{connector}']");
        Assert.Contains("team-ui", await row.InnerTextAsync(), StringComparison.Ordinal);
        var actions = row.Locator("[data-testid='connector-actions'][data-live='true']");
        await actions.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Equal("true", await actions.GetAttributeAsync("data-enabled"));
        await actions.Locator("[data-testid='connector-pause']").ClickAsync();
        await row.Locator("[data-testid='connector-actions'][data-enabled='false']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.False((await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/connectors/{connector}")).GetProperty("enabled").GetBoolean());
        await OpenLiveListAsync(page, WebUi($"{listed}&state=paused"));
        Assert.Equal("paused", await row.Locator("[data-testid='connector-enabled']").InnerTextAsync());
        await ScreenshotAsync(page, "connectors-paused");

        // Edited: the form starts from what the runner holds (paused), the name fixed.
        await row.Locator("[data-testid='connector-actions'][data-live='true'] [data-testid='connector-edit']").ClickAsync();
        await page.WaitForURLAsync($"**/connectors/{connector}/edit");
        await page.Locator("[data-testid='connector-form'][data-live='true'][data-mode='edit']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.True(await page.Locator("[data-testid='connector-name']").IsDisabledAsync());
        Assert.Equal("00:10:00", await page.Locator("[data-testid='connector-interval']").InputValueAsync());
        Assert.False(await page.Locator("[data-testid='connector-enabled-input']").IsCheckedAsync());
        await page.Locator("[data-testid='connector-owner']").FillAsync("team-ui-2");
        await page.Locator("[data-testid='connector-save']").ClickAsync();
        await page.Locator("[data-testid='connector-result'][data-ok='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        var edited = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/connectors/{connector}");
        Assert.Equal("team-ui-2", edited.GetProperty("owner").GetString());
        Assert.False(edited.GetProperty("enabled").GetBoolean());

        // Its page shows the definition, with the same actions; deleted from the list after a confirmation, it is gone.
        await page.GotoAsync(WebUi($"/connectors/{connector}").ToString());
        Assert.Equal("api", await page.Locator("[data-testid='connector-definition']").GetAttributeAsync("data-origin"));
        Assert.Contains("team-ui-2", await page.Locator("[data-testid='connector-definition']").InnerTextAsync(), StringComparison.Ordinal);
        await OpenLiveListAsync(page, WebUi(listed));
        actions = row.Locator("[data-testid='connector-actions'][data-live='true']");
        await actions.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await actions.Locator("[data-testid='connector-delete']").ClickAsync();
        await actions.Locator("[data-testid='connector-delete-confirm']").ClickAsync();
        await row.Locator("[data-testid='connector-deleted']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        using (var deleted = await system.Gateway.GetAsync($"/api/connectors/{connector}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
        }
        await OpenLiveListAsync(page, WebUi(listed));
        Assert.Equal(0, await rows.CountAsync());
        Assert.Equal(1, await page.Locator("[data-testid='no-connectors']").CountAsync());
    }

    [Fact]
    public async Task AViewerSeesTheConnectorsButNoControlsToCreateEditOrDeleteThem()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(ViewerWebUi("/connectors").ToString());
        Assert.Equal("viewer", await page.Locator("[data-testid='role']").GetAttributeAsync("data-role"));
        Assert.True(await page.Locator("[data-testid='connector-row']").CountAsync() > 0);
        Assert.Equal(1, await page.Locator("[data-testid='connector-row'][data-name='good_api']").CountAsync());
        Assert.Equal(0, await page.Locator("[data-testid='connector-new']").CountAsync());
        Assert.Equal(0, await page.Locator("[data-testid='connector-actions']").CountAsync());
        foreach (var action in new[] { "New connector", "Pause", "Resume", "Edit", "Delete" })
        {
            Assert.Equal(0, await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = action }).CountAsync());
        }
        await ScreenshotAsync(page, "connectors-viewer");

        await page.GotoAsync(ViewerWebUi("/connectors/good_api").ToString());
        await page.Locator("[data-testid='connector-definition']").WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid='connector-actions']").CountAsync());

        await page.GotoAsync(ViewerWebUi("/new-connector").ToString());
        Assert.Equal(1, await page.Locator("[data-testid='connector-form-refused']").CountAsync());
        Assert.Equal(0, await page.Locator("[data-testid='connector-form'], input, textarea").CountAsync());
    }

    [Fact]
    public async Task AViewerSeesNoOperatorActions()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(ViewerWebUi("/connectors/good_api").ToString());
        Assert.Equal("viewer", await page.Locator("[data-testid='role']").GetAttributeAsync("data-role"));
        await page.Locator("[data-testid='schema']").WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid='run-now']").CountAsync());

        // The alerts page lists what the operator's does, without the buttons, also once its live connection is up.
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(ViewerWebUi("/alerts").ToString());
            return await page.Locator("[data-testid='alerts'] tr[data-testid='alert']").CountAsync() > 0;
        }, "the viewer's alerts page to list an alert", TimeSpan.FromSeconds(120));
        await page.Locator("[data-testid='alerts'][data-live='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        foreach (var action in new[] { "Acknowledge", "Resolve", "Silence", "Expire", "Run now", "Replay" })
        {
            Assert.Equal(0, await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = action }).CountAsync());
        }
        await ScreenshotAsync(page, "alerts-viewer");

        await page.GotoAsync(ViewerWebUi("/schemas/schema_changer").ToString());
        foreach (var action in new[] { "Replay", "Save contract", "Delete contract" })
        {
            Assert.Equal(0, await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = action }).CountAsync());
        }
        Assert.Equal(0, await page.Locator("textarea").CountAsync());
    }
}
