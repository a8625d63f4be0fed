package run.caracal.server.admin;

import io.micronaut.http.HttpParameters;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import run.caracal.control.ControlException;
import run.caracal.control.ControlPlane;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.EventTypes;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.PageRequest;

/** Turns the query parameters of `GET /admin/v1/ledger/events` into a ledger filter and page. */
final class LedgerQueries {
  private final ControlPlane control;

  LedgerQueries(ControlPlane control) {
    this.control = control;
  }

  EventFilter filter(HttpParameters params) {
    EventFilter filter = EventFilter.all();
    Optional<String> from = param(params, "from");
    if (from.isPresent()) {
      filter = filter.from(time("from", from.get()));
    }
    Optional<String> to = param(params, "to");
    if (to.isPresent()) {
      filter = filter.to(time("to", to.get()));
    }
    Optional<String> zone = param(params, "zone");
    if (zone.isPresent()) {
      filter = filter.zone(zoneId(zone.get()));
    }
    Optional<String> app = param(params, "app");
    if (app.isPresent()) {
      filter = filter.app(app.get());
    }
    Optional<String> resource = param(params, "resource");
    if (resource.isPresent()) {
      filter = filter.resource(resource.get());
    }
    Optional<String> decision = param(params, "decision");
    if (decision.isPresent()) {
      try {
        filter = filter.decision(Decision.fromWire(decision.get()));
      } catch (IllegalArgumentException e) {
        throw invalid("`decision` must be allow, deny or none, not `" + decision.get() + "`");
      }
    }
    List<String> types = new ArrayList<>();
    for (String value : params.getAll("type")) {
      for (String t : value.split(",")) {
        String type = t.trim();
        if (type.isEmpty()) {
          continue;
        }
        String probe = type.endsWith(".*") ? type.substring(0, type.length() - 1) + "x" : type;
        if (!EventTypes.isValid(probe)) {
          throw invalid("unknown event type `" + type + "`");
        }
        types.add(type);
      }
    }
    if (!types.isEmpty()) {
      filter = filter.types(types.toArray(String[]::new));
    }
    return filter;
  }

  PageRequest page(HttpParameters params, int defaultLimit) {
    int limit = limit(param(params, "limit").map(v -> {
      try {
        return Integer.valueOf(v);
      } catch (NumberFormatException e) {
        throw invalid("`limit` must be a number, not `" + v + "`");
      }
    }).orElse(null), defaultLimit);
    String order = param(params, "order").orElse("oldest");
    if (!order.equals("oldest") && !order.equals("newest")) {
      throw invalid("`order` must be oldest or newest, not `" + order + "`");
    }
    return new PageRequest(limit, param(params, "cursor").orElse(""), order.equals("newest"));
  }

  /** A limit from 1 to {@link PageRequest#MAX_LIMIT}, or the default when absent. */
  static int limit(Integer value, int defaultLimit) {
    if (value == null) {
      return defaultLimit;
    }
    if (value < 1 || value > PageRequest.MAX_LIMIT) {
      throw invalid("`limit` must be between 1 and " + PageRequest.MAX_LIMIT);
    }
    return value;
  }

  /** Events record zone ids; a zone name is accepted too. */
  private String zoneId(String idOrName) {
    try {
      return control.zone(idOrName).id();
    } catch (ControlException e) {
      return idOrName; // a deleted zone's id still finds its events
    }
  }

  private static Instant time(String name, String value) {
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(value).toInstant();
      } catch (DateTimeParseException e2) {
        throw invalid("`" + name + "` must be an ISO-8601 time such as 2026-01-31T09:00:00Z, not `" + value + "`");
      }
    }
  }

  private static Optional<String> param(HttpParameters params, String name) {
    return Optional.ofNullable(params.get(name)).map(String::trim).filter(v -> !v.isEmpty());
  }

  private static ControlException invalid(String message) {
    return new ControlException(ControlException.Kind.INVALID_REQUEST, message);
  }
}
