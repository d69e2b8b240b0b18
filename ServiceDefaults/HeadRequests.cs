using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Answers HEAD wherever GET is served (RFC 9110 §9.3.2). Minimal APIs' <c>MapGet</c> matches GET only, so a HEAD
/// request is routed as GET, then runs as HEAD: Kestrel sends the GET answer's status and headers without its body,
/// and the gateway forwards HEAD as HEAD. A 405 that allows GET also allows HEAD.
/// </summary>
internal static class HeadRequests
{
    private static readonly object RoutedAsGet = new();

    /// <summary>Routes the request (this is where <c>UseRouting</c> runs), with HEAD matched as GET.</summary>
    public static IApplicationBuilder UseHeadWhereGet(this IApplicationBuilder app)
    {
        app.Use((httpContext, next) =>
        {
            if (HttpMethods.IsHead(httpContext.Request.Method))
            {
                httpContext.Request.Method = HttpMethods.Get;
                httpContext.Items[RoutedAsGet] = true;
            }
            return next(httpContext);
        });
        app.UseRouting();
        app.Use((httpContext, next) =>
        {
            if (httpContext.Items.Remove(RoutedAsGet))
            {
                httpContext.Request.Method = HttpMethods.Head;
            }
            httpContext.Response.OnStarting(static state =>
            {
                var response = (HttpResponse)state;
                if (response.StatusCode == StatusCodes.Status405MethodNotAllowed)
                {
                    var allowed = response.Headers.Allow.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    if (allowed.Contains(HttpMethods.Get) && !allowed.Contains(HttpMethods.Head))
                    {
                        response.Headers[HeaderNames.Allow] = string.Join(", ", allowed.Append(HttpMethods.Head).Order(StringComparer.Ordinal));
                    }
                }
                return Task.CompletedTask;
            }, httpContext.Response);
            return next(httpContext);
        });
        return app;
    }
}
