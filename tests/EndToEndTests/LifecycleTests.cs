using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// Starts and stops a system of its own: stopping leaves no PostgreSQL, RabbitMQ or epmd process behind, and
/// the next start on the same data directory still has the earlier runs.
/// </summary>
[Collection(OwnSystemsCollection.Name)]
public sealed class LifecycleTests
{
    [Fact]
    public async Task StoppingLeavesNothingRunningAndRestartingKeepsTheRuns()
    {
        var dataDirectory = ConnectorHealthApp.NewDataDirectory();
        var ports = LocalPorts.Free();
        try
        {
            Guid runId;
            await using (var first = await ConnectorHealthApp.StartAsync(dataDirectory, ports))
            {
                using var gateway = ConnectorHealthApp.GatewayClient(first);
                runId = await FirstRunIdAsync(gateway);
                await first.StopAsync();
            }

            var left = new List<string>();
            await Poll.UntilAsync(() => (left = ProcessesUsing(dataDirectory, ports)).Count == 0,
                () => $"no process left of the stopped system (still running: {string.Join("; ", left)})", TimeSpan.FromSeconds(60));
            Assert.All(ports.All, port => Assert.True(FreePorts.IsFree(port), $"port {port} is still taken"));

            await using var second = await ConnectorHealthApp.StartAsync(dataDirectory, ports);
            using var secondGateway = ConnectorHealthApp.GatewayClient(second);
            var response = await secondGateway.GetAsync($"/api/runs/{runId}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await second.StopAsync();
        }
        finally
        {
            ConnectorHealthApp.DeleteDataDirectory(dataDirectory);
        }
    }

    private static Task<Guid> FirstRunIdAsync(HttpClient gateway) =>
        Poll.UntilAsync(async () =>
        {
            var items = (await gateway.GetFromJsonAsync<JsonElement>("/api/runs?limit=1")).GetProperty("items");
            return items.GetArrayLength() > 0 ? items[0].GetProperty("runId").GetGuid() : (Guid?)null;
        }, "a first run");

    /// <summary>Processes whose command line names the data directory or one of the private ports.</summary>
    private static List<string> ProcessesUsing(string dataDirectory, LocalPorts ports)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            if (commandLine.Contains(dataDirectory, StringComparison.Ordinal)
                || commandLine.Contains($"-port {ports.Epmd}", StringComparison.Ordinal))
            {
                found.Add($"{Path.GetFileName(dir)}: {commandLine}");
            }
        }
        return found;
    }
}
