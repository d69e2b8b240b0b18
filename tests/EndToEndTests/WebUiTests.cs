using System.Net;
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
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
            ],
        });
    }

    /// <summary>Debian's Chromium (installed by make test), or the browser CHROMIUM_PATH names.</summary>
    private static string ChromiumPath() =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured
            ? configured
            : new[] { "/usr/bin/chromium", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists)
              ?? throw new InvalidOperationException("No Chromium found: run 'make test' (it installs Debian's chromium) or set CHROMIUM_PATH.");

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private Uri WebUi(string path) => new(system.App.GetEndpoint(ResourceNames.WebUi, "http"), path);

    [Fact]
    public async Task TheRunsPageListsRunsReadThroughTheGateway()
    {
        var page = await _browser.NewPageAsync();

        // The first scheduled run may still be on its way: reload until the table shows it.
        var rows = page.Locator("[data-testid=runs] tbody tr");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi("/runs").ToString());
            return await rows.CountAsync() > 0;
        }, "the runs table to show a run");

        Assert.Equal("Runs · ConnectorHealth", await page.TitleAsync());
        // good_api always succeeds; the page shows what the API holds, newest first.
        var goodApi = rows.Filter(new LocatorFilterOptions { HasText = "good_api" }).First;
        Assert.Equal("succeeded", await goodApi.Locator(".status").InnerTextAsync());
        var statuses = await rows.Locator(".status").AllInnerTextsAsync();
        Assert.All(statuses, s => Assert.Contains(s, new[] { "succeeded", "failed" }));
    }

    [Fact]
    public async Task TheOverviewShowsGoodApiHealthyAndLinksToItsPageWithChartsAndSchemaHistory()
    {
        var page = await _browser.NewPageAsync();

        // good_api always succeeds: once its runs are counted, its tile says healthy.
        var tile = page.Locator("[data-testid='tile-good_api']");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(WebUi("/").ToString());
            return await tile.CountAsync() == 1 && await tile.GetAttributeAsync("data-state") == "healthy";
        }, "the good_api tile to show healthy");
        Assert.Equal("Overview · ConnectorHealth", await page.TitleAsync());
        Assert.Equal("healthy", await tile.Locator(".state").InnerTextAsync());

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
        Assert.True(await page.Locator("[data-testid='chart-latency'] svg").CountAsync() > 0);
        Assert.Contains("v1", await versionOne.InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAlertsPageListsAlertsAndAnOperatorCanAcknowledgeOne()
    {
        // The auth-failing connector fails every run: three in a row is its alert.
        for (var started = 0; started < 3;)
        {
            using var response = await system.Gateway.PostAsync("/api/connectors/auth_failing_api/runs", null);
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                await Task.Delay(100);
                continue;
            }
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            started++;
        }

        var page = await _browser.NewPageAsync();
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
    }
}
