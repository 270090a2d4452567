{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "caf.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Fully qualified app name. The StatefulSet's PVC is named data-<fullname>-0 and pod names add
a suffix, so the name is kept to 52 characters.
*/}}
{{- define "caf.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "caf.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "caf.selectorLabels" -}}
app.kubernetes.io/name: {{ include "caf.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "caf.labels" -}}
helm.sh/chart: {{ include "caf.chart" . }}
{{ include "caf.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: forwarder
app.kubernetes.io/part-of: claude-audit-forwarder
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "caf.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "caf.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "caf.secretName" -}}
{{- default (include "caf.fullname" .) .Values.secret.name -}}
{{- end -}}

{{/* The PVC cronjob mode creates (the StatefulSet's comes from its volumeClaimTemplate). */}}
{{- define "caf.claimName" -}}
{{- if .Values.persistence.existingClaim -}}
{{- .Values.persistence.existingClaim -}}
{{- else -}}
{{- printf "%s-data" (include "caf.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "caf.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The config file exactly as mounted; also hashed into the pod's checksum annotation. */}}
{{- define "caf.configYaml" -}}
{{- toYaml .Values.config -}}
{{- end -}}

{{/* Port of config.metrics.listen ("0.0.0.0:9464", "[::]:9464"). */}}
{{- define "caf.metricsPort" -}}
{{- $listen := toString (dig "metrics" "listen" "0.0.0.0:9464" .Values.config) -}}
{{- $port := regexFind "[0-9]+$" $listen -}}
{{- if not $port -}}
{{- fail (printf "config.metrics.listen: %q has no port; write host:port, e.g. \"0.0.0.0:9464\"" $listen) -}}
{{- end -}}
{{- $port -}}
{{- end -}}

{{/*
The config's secret fields (SECRET_FIELDS in src/config/fields.ts), refused at any depth
unless given as ${ENV_VAR}: values land in a ConfigMap. Walks maps and lists.
*/}}
{{- define "caf.refuseSecretsInValues" -}}
{{- $root := .root -}}
{{- if kindIs "map" .node -}}
{{- range $key, $value := .node -}}
{{- $path := printf "%s.%s" $.path $key -}}
{{- if and (has $key (list "api_key" "token" "password" "key_password" "pseudonymize_key" "client_secret" "secret_access_key" "session_token")) (not (kindIs "invalid" $value)) (not (contains "${" (toString $value))) -}}
{{- fail (printf "%s: do not put secrets in values (they would land in a ConfigMap); store it in the Secret %q and set %s_file: %s/<key>, or use ${ENV_VAR}" $path (include "caf.secretName" $root) $key $root.Values.secret.mountPath) -}}
{{- end -}}
{{- if and (eq $key "proxy") (kindIs "string" $value) (contains "@" $value) (not (contains "${" $value)) -}}
{{- fail (printf "%s: a proxy URL with credentials is a secret (it would land in a ConfigMap); store the URL in the Secret %q and write proxy: ${PROXY_URL}, with PROXY_URL in env (secretKeyRef)" $path (include "caf.secretName" $root)) -}}
{{- end -}}
{{- include "caf.refuseSecretsInValues" (dict "node" $value "path" $path "root" $root) -}}
{{- end -}}
{{- else if kindIs "slice" .node -}}
{{- range $i, $value := .node -}}
{{- include "caf.refuseSecretsInValues" (dict "node" $value "path" (printf "%s[%d]" $.path $i) "root" $root) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Fails the render on configurations that cannot work in a pod, with the field and the fix.
*/}}
{{- define "caf.validate" -}}
{{- if not (has .Values.mode (list "statefulset" "cronjob")) -}}
{{- fail (printf "mode: %q is not a mode; use statefulset or cronjob" .Values.mode) -}}
{{- end -}}
{{- $metrics := dig "metrics" dict .Values.config -}}
{{- if eq (toString (dig "enabled" true $metrics)) "false" -}}
{{- fail "config.metrics.enabled: the probes, the Service and the ServiceMonitor need the metrics server; remove enabled: false" -}}
{{- end -}}
{{- $listen := toString (dig "listen" "0.0.0.0:9464" $metrics) -}}
{{- if or (hasPrefix "127." $listen) (hasPrefix "localhost:" $listen) (hasPrefix "[::1]" $listen) -}}
{{- fail (printf "config.metrics.listen: %q is loopback, which the kubelet's probes and Prometheus cannot reach; use \"0.0.0.0:%s\"" $listen (include "caf.metricsPort" .)) -}}
{{- end -}}
{{- include "caf.refuseSecretsInValues" (dict "node" .Values.config "path" "config" "root" .) -}}
{{- if and (eq .Values.mode "cronjob") (not .Values.persistence.enabled) -}}
{{- fail "persistence.enabled: cronjob mode keeps the checkpoint between runs on a PVC; without one every run would re-read start_at worth of activity. Set persistence.enabled: true" -}}
{{- end -}}
{{- end -}}

{{/* The forwarder container, shared by the StatefulSet and the CronJob. */}}
{{- define "caf.container" -}}
{{- $once := eq .Values.mode "cronjob" -}}
- name: forwarder
  image: {{ include "caf.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - run
    - -c
    - /etc/claude-audit-forwarder/config.yaml
    {{- if $once }}
    - --once
    {{- end }}
  {{- with include "caf.containerEnv" . | trim }}
  {{- . | nindent 2 }}
  {{- end }}
  ports:
    - name: metrics
      containerPort: {{ include "caf.metricsPort" . }}
      protocol: TCP
  {{- with .Values.livenessProbe }}
  livenessProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if not $once }}
  {{- with .Values.readinessProbe }}
  readinessProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.startupProbe }}
  startupProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.securityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    {{- include "caf.volumeMounts" . | nindent 4 }}
{{- end -}}

{{/*
The validate init container: the forwarder's own checks (`validate`: fields, secret files,
writable directories) on the same image, env and mounts, so a bad config stops the pod
before the forwarder starts, with the reason in the init container's log.
*/}}
{{- define "caf.validateContainer" -}}
- name: validate
  image: {{ include "caf.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - validate
    - -c
    - /etc/claude-audit-forwarder/config.yaml
  {{- with include "caf.containerEnv" . | trim }}
  {{- . | nindent 2 }}
  {{- end }}
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.securityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    {{- include "caf.volumeMounts" . | nindent 4 }}
{{- end -}}

{{/* env and envFrom of both containers (the config interpolates ${VAR}). */}}
{{- define "caf.containerEnv" -}}
{{- with .Values.env }}
env:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.envFrom }}
envFrom:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Mounts of both containers. */}}
{{- define "caf.volumeMounts" -}}
- name: config
  mountPath: /etc/claude-audit-forwarder
  readOnly: true
- name: secret
  mountPath: {{ .Values.secret.mountPath }}
  readOnly: true
- name: data
  mountPath: /var/lib/claude-audit-forwarder
- name: tmp
  mountPath: /tmp
{{- range .Values.extraSecretMounts }}
- name: {{ .name }}
  mountPath: {{ .mountPath }}
  readOnly: true
{{- end }}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by the StatefulSet and the CronJob. */}}
{{- define "caf.podSpecCommon" -}}
serviceAccountName: {{ include "caf.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
enableServiceLinks: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Volumes shared by both modes; `data` is added by each mode. */}}
{{- define "caf.volumesCommon" -}}
- name: config
  configMap:
    name: {{ include "caf.fullname" . }}
    # 0444 (modes are written in decimal: YAML 1.1 and 1.2 read a leading 0 differently)
    defaultMode: 292
- name: secret
  secret:
    secretName: {{ include "caf.secretName" . }}
    # 0440: readable by the pod's fsGroup, i.e. the forwarder's user, and nobody else
    defaultMode: 288
    optional: {{ .Values.secret.optional }}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: {{ .Values.tmp.sizeLimit }}
{{- range .Values.extraSecretMounts }}
- name: {{ .name }}
  secret:
    secretName: {{ .secretName }}
    defaultMode: {{ .defaultMode | default 288 }}
    {{- with .items }}
    items:
      {{- toYaml . | nindent 6 }}
    {{- end }}
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod annotations: the config checksum rolls the pod when `config` changes. */}}
{{- define "caf.podAnnotations" -}}
checksum/config: {{ include "caf.configYaml" . | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector of this release's metrics in PromQL (labels the Prometheus Operator adds). */}}
{{- define "caf.promSelector" -}}
namespace="{{ .Release.Namespace }}",service="{{ include "caf.fullname" . }}"
{{- end -}}

{{/* "TCP/<port>" of a URL (443 for https, 80 for http when it names none); empty for ${VAR}. */}}
{{- define "caf.urlEgress" -}}
{{- if and . (not (contains "${" .)) -}}
{{- $url := urlParse . -}}
{{- $port := trimPrefix ":" (regexFind ":[0-9]+$" $url.host) -}}
{{- if not $port -}}{{- $port = ternary "80" "443" (eq $url.scheme "http") -}}{{- end -}}
{{- printf "TCP/%s" $port -}}
{{- end -}}
{{- end -}}


{{/* "<protocol>/<port>" of a host:port address, with a default port; empty for ${VAR}. */}}
{{- define "caf.addressEgress" -}}
{{- $address := toString .address -}}
{{- if and $address (not (contains "${" $address)) -}}
{{- $port := trimPrefix ":" (regexFind ":[0-9]+$" $address) -}}
{{- printf "%s/%s" .protocol (default .default $port) -}}
{{- end -}}
{{- end -}}
