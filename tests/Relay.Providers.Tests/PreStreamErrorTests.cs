using Relay.Contracts;

namespace Relay.Providers.Tests;

public sealed class PreStreamErrorTests
{
    [Theory]
    [InlineData(400, "INVALID_REQUEST")]
    [InlineData(422, "INVALID_REQUEST")]
    [InlineData(401, "UPSTREAM_AUTH_FAILED")]
    [InlineData(402, "INSUFFICIENT_CREDITS")]
    [InlineData(403, "CONTENT_FILTERED")]
    [InlineData(404, "MODEL_NOT_FOUND")]
    [InlineData(408, "UPSTREAM_TIMEOUT")]
    [InlineData(413, "CONTEXT_TOO_LONG")]
    [InlineData(429, "RATE_LIMITED")]
    [InlineData(500, "UPSTREAM_ERROR")]
    [InlineData(502, "UPSTREAM_UNAVAILABLE")]
    [InlineData(503, "UPSTREAM_UNAVAILABLE")]
    public async Task Each_status_maps_to_its_code_with_the_upstream_message(int status, string code)
    {
        var body = "{\"error\":{\"message\":\"upstream says " + status + "\",\"code\":" + status + "}}";
        var events = await TestProvider.Create(ScriptedHandler.Status(status, body)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        var error = Assert.IsType<ErrorEvent>(Assert.Single(events)).Error;
        Assert.Equal(code, error.WireName);
        Assert.Equal($"upstream says {status}", error.Message);
        Assert.Null(error.RetryAfterMs);
    }

    [Fact]
    public async Task Retry_After_is_carried_into_retry_after_ms()
    {
        var events = await TestProvider.Create(ScriptedHandler.Status(429, """{"error":{"message":"slow","code":429}}""", retryAfter: TimeSpan.FromSeconds(7)))
            .CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(7000, Assert.IsType<ErrorEvent>(Assert.Single(events)).Error.RetryAfterMs);
    }

    [Fact]
    public async Task An_html_page_from_a_proxy_maps_by_status()
    {
        var events = await TestProvider.Create(ScriptedHandler.Status(502, "<html><body>Bad gateway</body></html>", "text/html"))
            .CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        var error = Assert.IsType<ErrorEvent>(Assert.Single(events)).Error;
        Assert.Equal(StreamErrorCode.UpstreamUnavailable, error.Code);
        Assert.Contains("502", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_200_with_a_json_error_body_is_that_error()
    {
        var events = await TestProvider.Create(ScriptedHandler.Status(200, """{"error":{"message":"no credits","code":402}}"""))
            .CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(StreamErrorCode.InsufficientCredits, Assert.IsType<ErrorEvent>(Assert.Single(events)).Error.Code);
    }

    [Fact]
    public async Task A_200_with_json_that_is_no_error_is_MALFORMED_EVENT()
    {
        var events = await TestProvider.Create(ScriptedHandler.Status(200, """{"choices":[]}"""))
            .CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(StreamErrorCode.MalformedEvent, Assert.IsType<ErrorEvent>(Assert.Single(events)).Error.Code);
    }

    [Fact]
    public async Task An_unreachable_upstream_is_UPSTREAM_UNAVAILABLE()
    {
        var handler = new ScriptedHandler(_ => throw new HttpRequestException("Connection refused"));
        var events = await TestProvider.Create(handler).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(StreamErrorCode.UpstreamUnavailable, Assert.IsType<ErrorEvent>(Assert.Single(events)).Error.Code);
    }
}
