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

    [Fact]
    public async Task TheRunsPageListsRunsReadThroughTheGateway()
    {
        var webUi = system.App.GetEndpoint(ResourceNames.WebUi, "http");
        var page = await _browser.NewPageAsync();

        // The first scheduled run may still be on its way: reload until the table shows it.
        var rows = page.Locator("[data-testid=runs] tbody tr");
        await Poll.UntilAsync(async () =>
        {
            await page.GotoAsync(webUi.ToString());
            return await rows.CountAsync() > 0;
        }, "the runs table to show a run");

        Assert.Equal("Runs · ConnectorHealth", await page.TitleAsync());
        // good_api always succeeds; the page shows what the API holds, newest first.
        var goodApi = rows.Filter(new LocatorFilterOptions { HasText = "good_api" }).First;
        Assert.Equal("succeeded", await goodApi.Locator(".status").InnerTextAsync());
        var statuses = await rows.Locator(".status").AllInnerTextsAsync();
        Assert.All(statuses, s => Assert.Contains(s, new[] { "succeeded", "failed" }));
    }
}
