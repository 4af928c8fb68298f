using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Relay.Edge;

/// <summary>The health endpoints' JSON body: <c>{"status":"Healthy","checks":{"upstream":{"status","description"}}}</c>.</summary>
internal static class HealthResponse
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("status", report.Status.ToString());
            w.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                w.WriteStartObject(name);
                w.WriteString("status", entry.Status.ToString());
                w.WriteString("description", entry.Description);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted);
    }
}
