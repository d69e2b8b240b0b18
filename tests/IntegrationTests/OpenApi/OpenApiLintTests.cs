using System.Diagnostics;
using System.Text.Json;
using ConnectorHealth.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace ConnectorHealth.IntegrationTests.OpenApi;

/// <summary>
/// Each service's OpenAPI document, as its real Program serves it (in memory, no database or broker), passes
/// Redocly's recommended rules with no error and no warning.
/// </summary>
public sealed class OpenApiLintTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LintTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public Task TheRunnerDocumentPassesTheLinter() => LintAsync<ConnectorHealth.Runner.RunnerOptions>("runner");

    [Fact]
    public Task TheMetricsDocumentPassesTheLinter() => LintAsync<ConnectorHealth.Metrics.MetricsOptions>("metrics");

    [Fact]
    public Task TheDriftDocumentPassesTheLinter() => LintAsync<ConnectorHealth.Drift.DriftOptions>("drift");

    [Fact]
    public Task TheAlertingDocumentPassesTheLinter() => LintAsync<ConnectorHealth.Alerting.AlertingOptions>("alerting");

    /// <summary>The service's OpenAPI document, from its real Program with its background work removed.</summary>
    public static async Task<string> DocumentAsync<TServiceType>() where TServiceType : class
    {
        await using var factory = new ServiceFactory<TServiceType>();
        using var client = factory.CreateClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await client.GetStringAsync("/openapi/v1.json", timeout.Token);
    }

    private async Task LintAsync<TServiceType>(string service) where TServiceType : class
    {
        var document = await DocumentAsync<TServiceType>();
        // OPENAPI_KEEP_DIR keeps the documents for a person to read; otherwise they live only as long as the test.
        var keep = Environment.GetEnvironmentVariable("OPENAPI_KEEP_DIR");
        var file = Path.Combine(keep ?? Path.GetTempPath(), keep is null ? $"connectorhealth-openapi-{service}-{Guid.NewGuid():N}.json" : $"{service}.json");
        await File.WriteAllTextAsync(file, document);
        try
        {
            var (exitCode, stdout, stderr) = await RedoclyAsync(file);
            var problems = Problems(stdout);
            foreach (var problem in problems)
            {
                output.WriteLine(problem);
            }
            Assert.True(problems.Count == 0 && exitCode == 0,
                $"redocly lint found {problems.Count} problem(s) in the {service} document (exit {exitCode}):\n"
                + string.Join("\n", problems) + (problems.Count == 0 ? "\n" + stderr : ""));
        }
        finally
        {
            if (keep is null)
            {
                File.Delete(file);
            }
        }
    }

    private static List<string> Problems(string json)
    {
        var start = json.IndexOf('{');
        Assert.True(start >= 0, $"redocly printed no JSON report:\n{json}");
        using var report = JsonDocument.Parse(json[start..]);
        return report.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: "
                + $"{p.GetProperty("message").GetString()} at "
                + string.Join(", ", p.GetProperty("location").EnumerateArray().Select(l => l.GetProperty("pointer").GetString())))
            .ToList();
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RedoclyAsync(string file)
    {
        var lint = Path.Combine(RepositoryFiles.Root(), "tests", "openapi-lint");
        var redocly = Path.Combine(lint, "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), $"{redocly} is missing: run scripts/prerequisites.sh --for test (or npm ci --prefix tests/openapi-lint).");

        var start = new ProcessStartInfo("node", [redocly, "lint", file, "--format=json", "--config", Path.Combine(lint, "redocly.yaml")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = lint,
        };
        // Redocly otherwise phones home (usage telemetry, update check): nothing may leave this machine during tests.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(LintTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"redocly lint did not finish within {LintTimeout}.");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// The service as its Program builds it, with connection strings that point nowhere and without its hosted services
    /// (migrations, bus, schedulers): describing the API needs neither a database nor a broker.
    /// </summary>
    private sealed class ServiceFactory<TServiceType> : WebApplicationFactory<TServiceType> where TServiceType : class
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:connectorhealth", "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none");
            builder.UseSetting("ConnectionStrings:messaging", "amqp://none:none@127.0.0.1:1/");
            builder.ConfigureTestServices(services =>
            {
                var background = services
                    .Where(d => d.ServiceType == typeof(IHostedService)
                        && d.ImplementationType?.Namespace?.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) != true)
                    .ToList();
                background.ForEach(d => services.Remove(d));
            });
        }
    }
}
