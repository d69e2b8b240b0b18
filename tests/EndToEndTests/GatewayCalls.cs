using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ConnectorHealth.EndToEndTests;

/// <summary>Calls on the gateway that several tests make the same way.</summary>
internal static class GatewayCalls
{
    /// <summary>Waits until <paramref name="path"/> answers 200 and returns its body; any answer but 200 or 404 fails at once.</summary>
    public static Task<JsonElement> UntilFoundAsync(HttpClient gateway, string path) =>
        Poll.UntilAsync(async () =>
        {
            using var response = await gateway.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            return (JsonElement?)null;
        }, $"{path} to be found", TimeSpan.FromSeconds(60));

    /// <summary>
    /// Starts <paramref name="times"/> runs of <paramref name="connector"/> one after the other and returns their ids. A
    /// connector runs once at a time: while one of its runs (scheduled, or another test's) is under way the gateway
    /// answers 409, and the run is asked for again.
    /// </summary>
    public static async Task<List<Guid>> RunNowAsync(HttpClient gateway, string connector, int times)
    {
        var runIds = new List<Guid>();
        await Poll.UntilAsync(async () =>
        {
            using var response = await gateway.PostAsync($"/api/connectors/{connector}/runs", null);
            if (response.StatusCode != HttpStatusCode.Conflict)
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                runIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid());
            }
            return runIds.Count == times;
        }, () => $"{times} runs of {connector} started (started {runIds.Count})", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(100));
        return runIds;
    }
}
