namespace Relay.Contracts;

/// <summary>What the catalog says of one <see cref="StreamErrorCode"/>.</summary>
/// <param name="Code">The code.</param>
/// <param name="WireName">The name on the wire, e.g. <c>RATE_LIMITED</c>.</param>
/// <param name="HttpStatus">The status it is answered with; null for codes that only a client produces.</param>
/// <param name="Retryable">Whether the same request may succeed later.</param>
/// <param name="DefaultMessage">The message used when there is no more specific one.</param>
/// <param name="When">When it happens.</param>
/// <param name="WhatToDo">What the user can do about it.</param>
public sealed record ErrorCatalogEntry(
    StreamErrorCode Code,
    string WireName,
    int? HttpStatus,
    bool Retryable,
    string DefaultMessage,
    string When,
    string WhatToDo);
