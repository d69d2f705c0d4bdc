/* Checks of the canonical chat and embed requests (docs/OPERATIONS.md),
 * shared by the LLM kinds, so every kind rejects the same requests with the
 * same messages. Paths are formatted only when a check fails: a valid
 * request costs no printf. */
#include "llm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GET cJSON_GetObjectItemCaseSensitive

/* PLX_EINVAL with "<path>: <what>". */
PLX_PRINTF(3, 4)
static plx_status bad(const plx_provider *p, const char *what, const char *path_fmt, ...)
{
    char path[160];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    return plx_fail(p->ctx, PLX_EINVAL, "%s: %s", path, what);
}

static bool is_one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static bool keys_ok(const cJSON *obj, const char *const *keys)
{
    for (const cJSON *item = obj->child; item; item = item->next) {
        if (!is_one_of(item->string, keys))
            return false;
        for (const cJSON *prev = obj->child; prev != item; prev = prev->next)
            if (strcmp(prev->string, item->string) == 0)
                return false;
    }
    return true;
}

/* Unknown or repeated keys: the config reader's message ("...: unknown
 * key (known: ...)") as PLX_EINVAL. */
PLX_PRINTF(4, 5)
static plx_status check_keys(const plx_provider *p, const cJSON *obj, const char *const *keys,
                             const char *path_fmt, ...)
{
    if (keys_ok(obj, keys))
        return PLX_OK;
    char path[160];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    plx_cfg cfg = {p->ctx, path};
    plx_cfg_check_keys(&cfg, obj, keys);
    return PLX_EINVAL;
}

/* The services' rule for tool names: 1 to 64 of [A-Za-z0-9_-]. */
static bool tool_name_ok(const cJSON *obj)
{
    const char *s = plx_llm_str(obj, "name");
    size_t n = s ? strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
                 : 0;
    return n > 0 && n <= 64 && s[n] == '\0';
}

#define NAME_RULE "expected 1 to 64 letters, digits, '_' or '-'"

static plx_status check_tool_call(const plx_provider *p, int m, int i, const cJSON *call)
{
    static const char *const keys[] = {"id", "name", "arguments", NULL};
    const char *at = "request.messages[%d].tool_calls[%d]%s";
    if (!cJSON_IsObject(call))
        return bad(p, "expected an object {id, name, arguments}", at, m, i, "");
    if (check_keys(p, call, keys, at, m, i, "") != PLX_OK)
        return PLX_EINVAL;
    const char *id = plx_llm_str(call, "id");
    const cJSON *args = GET(call, "arguments");
    if (!id || !*id)
        return bad(p, "expected a non-empty string", at, m, i, ".id");
    if (!tool_name_ok(call))
        return bad(p, NAME_RULE, at, m, i, ".name");
    if (args && !cJSON_IsObject(args))
        return bad(p, "expected a JSON object (not a string)", at, m, i, ".arguments");
    return PLX_OK;
}

static plx_status check_tool_calls(const plx_provider *p, int m, const cJSON *msg,
                                   const char *role)
{
    const cJSON *calls = GET(msg, "tool_calls");
    const char *at = "request.messages[%d].tool_calls";
    if (!calls)
        return PLX_OK;
    if (strcmp(role, "assistant") != 0)
        return bad(p, "only assistant messages carry tool calls", at, m);
    if (!cJSON_IsArray(calls))
        return bad(p, "expected an array", at, m);
    int i = 0;
    for (const cJSON *call = calls->child; call; call = call->next)
        if (check_tool_call(p, m, i++, call) != PLX_OK)
            return PLX_EINVAL;
    return PLX_OK;
}

static plx_status check_message(const plx_provider *p, int m, const cJSON *msg)
{
    static const char *const keys[] = {"role", "content", "tool_calls", "tool_call_id", NULL};
    static const char *const roles[] = {"system", "user", "assistant", "tool", NULL};
    const char *at = "request.messages[%d]%s";
    if (!cJSON_IsObject(msg))
        return bad(p, "expected an object {role, content}", at, m, "");
    if (check_keys(p, msg, keys, at, m, "") != PLX_OK)
        return PLX_EINVAL;
    const char *role = plx_llm_str(msg, "role");
    if (!role || !is_one_of(role, roles))
        return bad(p, "expected one of system, user, assistant, tool", at, m, ".role");
    if (check_tool_calls(p, m, msg, role) != PLX_OK)
        return PLX_EINVAL;
    /* an assistant turn that only calls tools may have no text */
    const cJSON *content = GET(msg, "content");
    bool optional = strcmp(role, "assistant") == 0 && cJSON_GetArraySize(GET(msg, "tool_calls"));
    if (!cJSON_IsString(content) && !(optional && (!content || cJSON_IsNull(content))))
        return bad(p, "expected a string", at, m, ".content");
    const char *call_id = plx_llm_str(msg, "tool_call_id");
    bool tool = strcmp(role, "tool") == 0;
    if (tool && (!call_id || !*call_id))
        return bad(p, "expected a non-empty string (the id of the call this answers)", at, m,
                   ".tool_call_id");
    if (!tool && GET(msg, "tool_call_id"))
        return bad(p, "only tool messages have a tool_call_id", at, m, ".tool_call_id");
    return PLX_OK;
}

static plx_status check_messages(const plx_provider *p, const cJSON *request)
{
    const cJSON *messages = GET(request, "messages");
    if (!cJSON_IsArray(messages) || !messages->child)
        return bad(p, "expected a non-empty array of {role, content}", "request.messages");
    int m = 0;
    for (const cJSON *msg = messages->child; msg; msg = msg->next)
        if (check_message(p, m++, msg) != PLX_OK)
            return PLX_EINVAL;
    return PLX_OK;
}

static plx_status check_number(const plx_provider *p, const cJSON *request, const char *key,
                               double min, double max, bool integer)
{
    const cJSON *item = GET(request, key);
    if (!item)
        return PLX_OK;
    double v = item->valuedouble;
    if (cJSON_IsNumber(item) && v >= min && v <= max && (!integer || v == (double)(int64_t)v))
        return PLX_OK;
    char what[96];
    snprintf(what, sizeof what, "expected %s from %g to %g", integer ? "an integer" : "a number",
             min, max);
    return bad(p, what, "request.%s", key);
}

static plx_status check_stop(const plx_provider *p, const cJSON *request)
{
    const cJSON *stop = GET(request, "stop");
    if (!stop || cJSON_IsString(stop))
        return PLX_OK;
    bool ok = cJSON_IsArray(stop);
    for (const cJSON *s = ok ? stop->child : NULL; s; s = s->next)
        ok = ok && cJSON_IsString(s);
    return ok ? PLX_OK : bad(p, "expected a string or an array of strings", "request.stop");
}

static plx_status check_tool(const plx_provider *p, int i, const cJSON *tool)
{
    static const char *const keys[] = {"name", "description", "parameters", NULL};
    const char *at = "request.tools[%d]%s";
    if (!cJSON_IsObject(tool))
        return bad(p, "expected an object {name, description, parameters}", at, i, "");
    if (check_keys(p, tool, keys, at, i, "") != PLX_OK)
        return PLX_EINVAL;
    const cJSON *description = GET(tool, "description");
    const cJSON *params = GET(tool, "parameters");
    if (!tool_name_ok(tool))
        return bad(p, NAME_RULE, at, i, ".name");
    if (description && !cJSON_IsString(description))
        return bad(p, "expected a string", at, i, ".description");
    if (params && !cJSON_IsObject(params))
        return bad(p, "expected a JSON schema object", at, i, ".parameters");
    return PLX_OK;
}

static plx_status check_tools(const plx_provider *p, const cJSON *request)
{
    const cJSON *tools = GET(request, "tools");
    if (!tools)
        return PLX_OK;
    if (!cJSON_IsArray(tools))
        return bad(p, "expected an array of {name, description, parameters}", "request.tools");
    int i = 0;
    for (const cJSON *t = tools->child; t; t = t->next)
        if (check_tool(p, i++, t) != PLX_OK)
            return PLX_EINVAL;
    return PLX_OK;
}

static plx_status check_tool_choice(const plx_provider *p, const cJSON *request)
{
    static const char *const modes[] = {"auto", "none", "required", NULL};
    static const char *const keys[] = {"name", NULL};
    const cJSON *choice = GET(request, "tool_choice");
    if (!choice)
        return PLX_OK;
    if (!GET(request, "tools"))
        return bad(p, "needs request.tools", "request.tool_choice");
    if (cJSON_IsString(choice) && is_one_of(choice->valuestring, modes))
        return PLX_OK;
    if (!cJSON_IsObject(choice))
        return bad(p, "expected \"auto\", \"none\", \"required\" or {\"name\": TOOL}",
                   "request.tool_choice");
    if (check_keys(p, choice, keys, "request.tool_choice") != PLX_OK)
        return PLX_EINVAL;
    return tool_name_ok(choice) ? PLX_OK : bad(p, NAME_RULE, "request.tool_choice.name");
}

static plx_status check_model(const plx_provider *p, const cJSON *request)
{
    const cJSON *model = GET(request, "model");
    if (model && (!cJSON_IsString(model) || !*model->valuestring))
        return bad(p, "expected a non-empty string", "request.model");
    return PLX_OK;
}

plx_status plx_llm_check_chat(const plx_provider *p, const cJSON *request)
{
    static const char *const keys[] = {"model", "messages", "max_tokens", "temperature",
                                       "top_p", "stop", "tools", "tool_choice", NULL};
    plx_status st = check_keys(p, request, keys, "request");
    if (st == PLX_OK)
        st = check_model(p, request);
    if (st == PLX_OK)
        st = check_messages(p, request);
    if (st == PLX_OK)
        st = check_number(p, request, "max_tokens", 1, INT32_MAX, true);
    if (st == PLX_OK)
        st = check_number(p, request, "temperature", 0, 2, false);
    if (st == PLX_OK)
        st = check_number(p, request, "top_p", 0, 1, false);
    if (st == PLX_OK)
        st = check_stop(p, request);
    if (st == PLX_OK)
        st = check_tools(p, request);
    if (st == PLX_OK)
        st = check_tool_choice(p, request);
    return st;
}

plx_status plx_llm_check_embed(const plx_provider *p, const cJSON *request)
{
    static const char *const keys[] = {"model", "input", NULL};
    plx_status st = check_keys(p, request, keys, "request");
    if (st == PLX_OK)
        st = check_model(p, request);
    if (st != PLX_OK)
        return st;
    const cJSON *input = GET(request, "input");
    if (cJSON_IsString(input))
        return PLX_OK;
    if (!cJSON_IsArray(input) || !input->child)
        return bad(p, "expected a string or a non-empty array of strings", "request.input");
    int i = 0;
    for (const cJSON *s = input->child; s; s = s->next, i++)
        if (!cJSON_IsString(s))
            return bad(p, "expected a string", "request.input[%d]", i);
    return PLX_OK;
}
