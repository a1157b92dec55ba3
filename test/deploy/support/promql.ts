/**
 * The series names a PromQL expression reads, found by a small lexer (no evaluation): label matchers
 * `{…}`, ranges `[…]`, strings, numbers and durations are skipped; the label lists after by, without,
 * on, ignoring, group_left and group_right are skipped; an identifier followed by `(` must be a
 * PromQL function or aggregation; any other identifier is a series name. Grafana's `$variables` are
 * skipped. `{__name__="x"}` counts as the name x.
 */

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time', 'ceil', 'changes', 'clamp',
  'clamp_max', 'clamp_min', 'cos', 'cosh', 'count_over_time', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'deg',
  'delta', 'deriv', 'double_exponential_smoothing', 'end', 'exp', 'floor', 'histogram_avg', 'histogram_count', 'histogram_fraction',
  'histogram_quantile', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'holt_winters', 'hour', 'idelta', 'increase', 'info',
  'irate', 'label_join', 'label_replace', 'last_over_time', 'ln', 'log10', 'log2', 'mad_over_time', 'max_over_time', 'min_over_time',
  'minute', 'month', 'pi', 'predict_linear', 'present_over_time', 'quantile_over_time', 'rad', 'rate', 'resets', 'round', 'scalar', 'sgn',
  'sin', 'sinh', 'sort', 'sort_by_label', 'sort_by_label_desc', 'sort_desc', 'sqrt', 'start', 'stddev_over_time', 'stdvar_over_time',
  'sum_over_time', 'tan', 'tanh', 'time', 'timestamp', 'vector', 'year',
]);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);

export interface PromqlNames {
  names: string[];
  /** Constructs the lexer does not accept (unknown function, unbalanced brackets). */
  problems: string[];
}

export function promqlNames(expr: string): PromqlNames {
  const names = new Set<string>();
  const problems: string[] = [];
  let i = 0;
  const peek = () => {
    let j = i;
    while (j < expr.length && /\s/.test(expr[j]!)) j++;
    return expr[j];
  };
  const skipString = () => {
    const quote = expr[i++];
    while (i < expr.length && expr[i] !== quote) i += expr[i] === '\\' && quote !== '`' ? 2 : 1;
    if (i >= expr.length) problems.push('unterminated string');
    i++;
  };
  /** Skips a bracketed block from its opening character; strings inside may hold brackets. */
  const skipBlock = (open: string, close: string): string => {
    const start = i;
    let depth = 0;
    while (i < expr.length) {
      const c = expr[i]!;
      if (c === '"' || c === "'" || c === '`') {
        skipString();
        continue;
      }
      if (c === open) depth++;
      if (c === close && --depth === 0) {
        i++;
        return expr.slice(start + 1, i - 1);
      }
      i++;
    }
    problems.push(`unbalanced ${open}`);
    return expr.slice(start + 1);
  };
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '#') while (i < expr.length && expr[i] !== '\n') i++;
    else if (c === '"' || c === "'" || c === '`') skipString();
    else if (c === '{') {
      const matchers = skipBlock('{', '}');
      const named = /(?:^|,)\s*__name__\s*=\s*"([^"]+)"/.exec(matchers);
      if (named) names.add(named[1]!);
    } else if (c === '[') skipBlock('[', ']');
    else if (c === '$') {
      i++;
      if (expr[i] === '{') skipBlock('{', '}');
      else while (i < expr.length && /\w/.test(expr[i]!)) i++;
    } else if (/[0-9.]/.test(c)) {
      while (i < expr.length && /[0-9a-zA-Z._]/.test(expr[i]!)) i++;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const start = i;
      while (i < expr.length && /[a-zA-Z0-9_:]/.test(expr[i]!)) i++;
      const word = expr.slice(start, i);
      const lower = word.toLowerCase();
      if (LABEL_LISTS.has(lower)) {
        if (peek() === '(') {
          while (expr[i] !== '(') i++;
          skipBlock('(', ')');
        }
      } else if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower)) {
        // operators and aggregations (whose `by (…)` may come before their parentheses)
      } else if (peek() === '(') {
        if (!FUNCTIONS.has(word)) problems.push(`unknown function ${word}()`);
      } else {
        names.add(word);
      }
    } else i++;
  }
  return { names: [...names].sort(), problems };
}

/** Series names a metric family adds beside its own: a histogram's _bucket/_sum/_count, a summary's _sum/_count. */
export function seriesOfFamily(name: string, type: string): string[] {
  if (type === 'histogram') return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** Every series name in a Prometheus text exposition, from its `# TYPE` lines (labelled families with no sample yet included). */
export function exposedSeriesNames(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (m) for (const name of seriesOfFamily(m[1]!, m[2]!)) out.add(name);
    else if (line && !line.startsWith('#')) out.add(line.split(/[{\s]/, 1)[0]!);
  }
  return [...out];
}
