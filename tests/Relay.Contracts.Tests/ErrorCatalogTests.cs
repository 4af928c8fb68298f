using System.Text.Json;

namespace Relay.Contracts.Tests;

public sealed class ErrorCatalogTests
{
    [Fact]
    public void Every_code_has_exactly_one_entry()
    {
        var codes = Enum.GetValues<StreamErrorCode>();
        Assert.Equal(codes.Length, ErrorCatalog.All.Count);
        Assert.All(codes, c => Assert.Single(ErrorCatalog.All, e => e.Code == c));
    }

    [Fact]
    public void No_two_codes_share_a_wire_name()
    {
        var names = ErrorCatalog.All.Select(e => e.WireName).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_json_name_of_each_code_is_its_wire_name()
    {
        foreach (var entry in ErrorCatalog.All)
        {
            var json = JsonSerializer.Serialize(StreamError.Create(entry.Code), RelayJsonContext.Default.StreamError);
            Assert.Contains($"\"code\":\"{entry.WireName}\"", json, StringComparison.Ordinal);
            Assert.True(ErrorCatalog.TryGet(entry.WireName, out var found));
            Assert.Same(entry, found);
        }
    }

    [Theory]
    [InlineData(StreamErrorCode.InvalidRequest, 400, false)]
    [InlineData(StreamErrorCode.Unauthorized, 401, false)]
    [InlineData(StreamErrorCode.InsufficientCredits, 402, false)]
    [InlineData(StreamErrorCode.ContentFiltered, 403, false)]
    [InlineData(StreamErrorCode.ModelNotFound, 404, false)]
    [InlineData(StreamErrorCode.StreamNotFound, 404, false)]
    [InlineData(StreamErrorCode.StreamConflict, 409, false)]
    [InlineData(StreamErrorCode.ContextTooLong, 413, false)]
    [InlineData(StreamErrorCode.RequestTooLarge, 413, false)]
    [InlineData(StreamErrorCode.RateLimited, 429, true)]
    [InlineData(StreamErrorCode.Overloaded, 503, true)]
    [InlineData(StreamErrorCode.UpstreamTimeout, 504, true)]
    [InlineData(StreamErrorCode.UpstreamUnavailable, 503, true)]
    [InlineData(StreamErrorCode.UpstreamError, 502, true)]
    [InlineData(StreamErrorCode.UpstreamAuthFailed, 502, false)]
    [InlineData(StreamErrorCode.StreamInterrupted, 502, true)]
    [InlineData(StreamErrorCode.MalformedEvent, 502, false)]
    [InlineData(StreamErrorCode.EventTooLarge, 502, false)]
    [InlineData(StreamErrorCode.StreamTooLarge, 500, false)]
    [InlineData(StreamErrorCode.NetworkError, null, true)]
    [InlineData(StreamErrorCode.Cancelled, 499, false)]
    [InlineData(StreamErrorCode.InternalError, 500, false)]
    public void Each_code_has_the_status_and_retryability_of_the_taxonomy(StreamErrorCode code, int? status, bool retryable)
    {
        var entry = ErrorCatalog.Get(code);
        Assert.Equal(status, entry.HttpStatus);
        Assert.Equal(retryable, entry.Retryable);
        Assert.False(string.IsNullOrWhiteSpace(entry.DefaultMessage));
        Assert.False(string.IsNullOrWhiteSpace(entry.When));
        Assert.False(string.IsNullOrWhiteSpace(entry.WhatToDo));
    }

    [Fact]
    public void Docs_errors_md_is_generated_from_the_catalog()
    {
        var path = Path.Combine(RepositoryRoot.Find(), "docs", "errors.md");
        var expected = ErrorCatalog.ToMarkdown();
        if (Environment.GetEnvironmentVariable("RELAY_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path), "docs/errors.md is missing; run the tests with RELAY_UPDATE_DOCS=1 to write it.");
        Assert.Equal(expected, File.ReadAllText(path).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Create_uses_the_catalog_defaults_and_rounds_retry_after_up()
    {
        var e = StreamError.Create(StreamErrorCode.RateLimited, retryAfter: TimeSpan.FromMilliseconds(1500.2));
        Assert.True(e.Retryable);
        Assert.Equal(ErrorCatalog.Get(StreamErrorCode.RateLimited).DefaultMessage, e.Message);
        Assert.Equal(1501, e.RetryAfterMs);
        Assert.Equal(429, e.HttpStatus);
        Assert.Equal("RATE_LIMITED", e.WireName);
        Assert.Equal(500, StreamError.Create(StreamErrorCode.NetworkError).HttpStatus);
        Assert.Equal("custom", StreamError.Create(StreamErrorCode.Cancelled, "custom").Message);
    }

    [Fact]
    public void Unknown_codes_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ErrorCatalog.Get((StreamErrorCode)999));
        Assert.False(ErrorCatalog.TryGet("NOPE", out _));
    }

    [Fact]
    public void The_exception_carries_the_error_and_names_it()
    {
        var ex = new StreamErrorException(StreamErrorCode.MalformedEvent, "bad chunk");
        Assert.Equal(StreamErrorCode.MalformedEvent, ex.Error.Code);
        Assert.Equal("MALFORMED_EVENT: bad chunk", ex.Message);
    }
}
