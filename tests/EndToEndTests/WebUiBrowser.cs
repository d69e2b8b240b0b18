using Microsoft.Playwright;

namespace ConnectorHealth.EndToEndTests;

/// <summary>How the browser tests launch Chromium: Debian's package, headless, as this machine allows.</summary>
public static class WebUiBrowser
{
    public static BrowserTypeLaunchOptions Options => new()
    {
        ExecutablePath = ChromiumPath(),
        Headless = true,
        Args =
        [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run",
        ],
    };

    /// <summary>Debian's Chromium (installed by make test), or the browser CHROMIUM_PATH names.</summary>
    private static string ChromiumPath() =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured
            ? configured
            : new[] { "/usr/bin/chromium", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists)
              ?? throw new InvalidOperationException("No Chromium found: run 'make test' (it installs Debian's chromium) or set CHROMIUM_PATH.");
}
