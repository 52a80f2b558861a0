package dev.pulse.rm.rest;

import dev.pulse.rm.TaskExecutorInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One page of {@code GET /v1/taskexecutors?offset=&limit=&sort=&filter=&state=}, cut from a snapshot of every
 * task executor: what the dashboard's table shows at 10,000 task executors without sending them all.
 *
 * <p>The resource manager's main thread only takes the snapshot (one per request); filtering, sorting and
 * paging happen here, on the REST event loop. Immutable; the query is checked when it is parsed, so a bad
 * parameter is answered with 400 before the snapshot is asked for.
 */
final class TaskExecutorPage {

  /** Most task executors one page holds. */
  static final int MAX_LIMIT = 1000;

  /** The query parameters this page takes. */
  static final String[] PARAMETERS = {"offset", "limit", "sort", "filter", "state"};

  private static final Map<String, Comparator<TaskExecutorInfo>> ORDERS = Map.of(
      "id", Comparator.comparing(TaskExecutorInfo::id),
      "state", by(TaskExecutorInfo::state),
      "instanceId", by(TaskExecutorInfo::instanceId),
      "address", by(TaskExecutorInfo::address),
      "registeredAt", Comparator.comparingLong(TaskExecutorInfo::registeredAt),
      "lastHeartbeat", Comparator.comparingLong(TaskExecutorInfo::lastHeartbeat),
      "consecutiveFailedRpcs", Comparator.comparingInt(TaskExecutorInfo::consecutiveFailedRpcs),
      "slotsTotal", Comparator.comparingInt(TaskExecutorInfo::slotsTotal),
      "slotsFree", Comparator.comparingInt(TaskExecutorInfo::slotsFree));

  /**
   * The answer: the page, the number of task executors in the snapshot and of those the filter matched, and how
   * many are in each state (all of them, before the filter), so the page can show counts of states it does not
   * know yet.
   *
   * @param now the resource manager's wall clock when the page was cut, epoch ms: ages are {@code now -
   *     lastHeartbeat}, whatever the browser's clock says
   */
  record Body(List<TaskExecutorInfo> taskExecutors, int total, int matched, int offset, Map<String, Integer> states,
      long now) {}

  private final int offset;
  private final int limit;
  private final Comparator<TaskExecutorInfo> order;
  private final String filter;
  private final String state;

  private TaskExecutorPage(int offset, int limit, Comparator<TaskExecutorInfo> order, String filter, String state) {
    this.offset = offset;
    this.limit = limit;
    this.order = order;
    this.filter = filter;
    this.state = state;
  }

  /**
   * @param sort a field name of {@link TaskExecutorInfo}, {@code -} before it for descending order, {@code null}
   *     for by id; ties are broken by id
   * @param filter text that the id, instance id, address or state must contain (any case), {@code null} for all
   * @param state the exact state to keep, {@code null} for all
   * @throws HttpError 400 naming the parameter that is wrong
   */
  static TaskExecutorPage of(int offset, int limit, String sort, String filter, String state) {
    String field = sort == null ? "id" : sort.startsWith("-") ? sort.substring(1) : sort;
    Comparator<TaskExecutorInfo> order = ORDERS.get(field);
    if (order == null) {
      throw HttpError.badRequest("sort: must be one of " + new TreeMap<>(ORDERS).keySet()
          + ", with '-' before it for descending order, was '" + sort + "'");
    }
    if (sort != null && sort.startsWith("-")) {
      order = order.reversed();
    }
    order = order.thenComparing(TaskExecutorInfo::id);
    return new TaskExecutorPage(offset, limit, order,
        filter == null || filter.isBlank() ? null : filter.toLowerCase(Locale.ROOT), state);
  }

  Body cut(List<TaskExecutorInfo> snapshot, long now) {
    Map<String, Integer> states = new TreeMap<>();
    List<TaskExecutorInfo> matching = new ArrayList<>();
    for (TaskExecutorInfo te : snapshot) {
      states.merge(te.state(), 1, Integer::sum);
      if (matches(te)) {
        matching.add(te);
      }
    }
    matching.sort(order);
    int from = Math.min(offset, matching.size());
    int to = Math.min(matching.size(), from + limit);
    return new Body(List.copyOf(matching.subList(from, to)), snapshot.size(), matching.size(), from, states, now);
  }

  private boolean matches(TaskExecutorInfo te) {
    if (state != null && !state.equals(te.state())) {
      return false;
    }
    return filter == null || contains(te.id()) || contains(te.instanceId()) || contains(te.address())
        || contains(te.state());
  }

  private boolean contains(String value) {
    return value != null && value.toLowerCase(Locale.ROOT).contains(filter);
  }

  private static Comparator<TaskExecutorInfo> by(Function<TaskExecutorInfo, String> field) {
    return Comparator.comparing(field, Comparator.nullsFirst(Comparator.naturalOrder()));
  }
}
