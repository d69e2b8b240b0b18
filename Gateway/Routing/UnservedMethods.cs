using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace ConnectorHealth.Gateway.Routing;

/// <summary>
/// Answers a method no service route serves (CONNECT, TRACE, or any other outside GET, HEAD, POST, PUT, PATCH and
/// DELETE) with 405 and the path's <c>Allow</c> header instead of proxying it: an HTTP client cannot send CONNECT to an
/// origin (it is the tunnel method, so the proxy answered 502), and TRACE echoes what it is sent. The methods a path
/// allows are the service's: it is asked with OPTIONS, which no route serves, so its router answers 405 with them.
/// Methods the REST API uses go through, and the service answers 405 with its Allow where the path does not take them.
/// </summary>
public sealed partial class UnservedMethods(RequestDelegate next, IHttpClientFactory clients, ILogger<UnservedMethods> logger)
{
    public const string HttpClientName = "unserved-methods";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public async Task InvokeAsync(HttpContext httpContext)
    {
        var method = httpContext.Request.Method;
        if (IsServedSomewhere(method)
            || httpContext.GetEndpoint()?.Metadata.GetMetadata<RouteModel>() is not { } route)
        {
            await next(httpContext);
            return;
        }

        var (status, allow) = await AskServiceAsync(route, httpContext.Request, httpContext.RequestAborted);
        if (status == StatusCodes.Status404NotFound)
        {
            await TypedResults.Problem(statusCode: status, detail: "There is no such resource.").ExecuteAsync(httpContext);
            return;
        }
        httpContext.Response.Headers[HeaderNames.Allow] = allow;
        await TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status405MethodNotAllowed,
            Detail = allow.Length > 0 ? $"{method} is not served here; this resource allows {allow}." : $"{method} is not served here.",
        }).ExecuteAsync(httpContext);
    }

    private static bool IsServedSomewhere(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsPost(method) || HttpMethods.IsPut(method)
        || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    /// <summary>The service's status for the path asked with OPTIONS (405 with its Allow, or 404), or 405 with no Allow when it cannot say.</summary>
    private async Task<(int Status, string Allow)> AskServiceAsync(RouteModel route, HttpRequest request, CancellationToken cancellationToken)
    {
        if (route.Cluster?.Destinations.Values.FirstOrDefault()?.Model.Config.Address is not { } address)
        {
            return (StatusCodes.Status405MethodNotAllowed, "");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            using var probe = new HttpRequestMessage(HttpMethod.Options, address.TrimEnd('/') + request.Path + request.QueryString);
            using var response = await clients.CreateClient(HttpClientName).SendAsync(probe, timeout.Token);
            return (int)response.StatusCode == StatusCodes.Status404NotFound
                ? (StatusCodes.Status404NotFound, "")
                : (StatusCodes.Status405MethodNotAllowed, string.Join(", ", response.Content.Headers.Allow));
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogProbeFailed(logger, route.Config.ClusterId ?? route.Config.RouteId, ex.Message);
            return (StatusCodes.Status405MethodNotAllowed, "");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask {Cluster} which methods a path allows: {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string cluster, string reason);
}
