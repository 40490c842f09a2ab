// Command flytebox-kube is the Kubernetes of `flytebox demo start --kubernetes` as one
// program: kube-apiserver, kube-controller-manager, kube-scheduler and the kubelet share one
// copy of the code they have in common (client-go, apimachinery, the API types, gRPC...),
// which makes it about a third of the size of the four separate programs.
//
// It runs the component named by the name it was started as (a link named kubelet, say) or,
// when started by its own name, by its first argument:
//
//	flytebox-kube kube-apiserver --etcd-servers=...
//	flytebox-kube kubelet --config=...
//
// scripts/k8s-build.sh builds it from the upstream releases through the Go module proxy.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	_ "time/tzdata" // CronJob time zones (the controller manager, the API server)

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // the JSON log format
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go's metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // the version metric
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

// components maps a component's name to its main; each returns the process's exit code and
// reads its arguments from os.Args[1:].
var components = map[string]func() int{
	"kube-apiserver": func() int { return cli.Run(apiserver.NewAPIServerCommand()) },
	"kube-controller-manager": func() int {
		return cli.Run(controllermanager.NewControllerManagerCommand())
	},
	"kube-scheduler": func() int { return cli.Run(scheduler.NewSchedulerCommand()) },
	"kubelet": func() int {
		return cli.Run(kubelet.NewKubeletCommand(context.Background()))
	},
}

func names() string {
	var all []string
	for name := range components {
		all = append(all, name)
	}
	sort.Strings(all)
	return strings.Join(all, ", ")
}

func main() {
	self := filepath.Base(os.Args[0])
	name := self
	run, ok := components[name]
	if !ok && len(os.Args) > 1 {
		// Started by its own name: the first argument names the component, which then sees
		// itself as argv[0] and the rest as its arguments.
		name = os.Args[1]
		run, ok = components[name]
		os.Args = os.Args[1:]
	}
	if !ok {
		fmt.Fprintf(os.Stderr, "usage: %s COMPONENT [ARGS...] (or a link named COMPONENT)\n"+
			"unknown component %q; the components: %s\n", self, name, names())
		os.Exit(2)
	}
	os.Exit(run())
}
